#include "net/message_batch.hpp"

#include "core/mailbox.hpp"

#include <picos/log.hpp>

namespace picos::net {

void MessageBatch::add(const Task& task, Message&& message) {
  if (task_ && *task_ != task) flush();
  if (!task_) {
    task_ = task;
    messages_.reserve(max_messages);  // the last batch's vector went with it: growing would move every message
  }
  messages_.push_back(std::move(message));
  // Bounded so that a long stream for one task reaches it in steps instead of at its end.
  if (messages_.size() >= max_messages) flush();
}

void MessageBatch::flush() noexcept {
  if (const std::optional<Task> owed = flush_unwoken()) detail::wake_scheduler_of(*owed);
}

std::optional<Task> MessageBatch::flush_unwoken() noexcept {
  if (messages_.empty()) return std::nullopt;
  const std::size_t count = messages_.size();
  bool wake_owed = false;
  try {
    if (!detail::send_all(*task_, std::move(messages_), wake_owed)) {
      log(LogLevel::info, "picos: ", count, " messages for ended task ", *task_, " dropped");
    }
  } catch (const std::exception& error) {
    log(LogLevel::error, "picos: ", count, " messages for task ", *task_, " dropped: ", error.what());
  }
  messages_.clear();  // a vector moved from is valid but unspecified
  std::optional<Task> owed;
  if (wake_owed) owed = std::move(task_);
  task_.reset();
  return owed;
}

}  // namespace picos::net
