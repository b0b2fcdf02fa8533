#pragma once
// Messages that arrived from a peer for one local task, handed to that task's scheduler together.

#include <picos/message.hpp>
#include <picos/task.hpp>

#include <optional>
#include <vector>

namespace picos::net {

class MessageBatch {
 public:
  // Messages held before add() hands them over by itself.
  static constexpr std::size_t max_messages = 256;

  MessageBatch() = default;
  MessageBatch(const MessageBatch&) = delete;
  MessageBatch& operator=(const MessageBatch&) = delete;
  // Hands over what is held (see flush()).
  ~MessageBatch() { flush(); }

  // Queues `message` for `task` after the ones held; hands the held ones over first when they are
  // for another task. Throws std::bad_alloc only.
  void add(const Task& task, Message&& message);
  // Sends what is held to its task's mailbox, in order (dropped when that task has ended), and
  // empties the batch. Never throws.
  void flush() noexcept;
  // flush(), leaving the wake-up of the task's scheduler to the caller: returns the task to pass
  // to detail::wake_scheduler_of() soon when one is owed. Never throws.
  [[nodiscard]] std::optional<Task> flush_unwoken() noexcept;

 private:
  std::optional<Task> task_;
  std::vector<Message> messages_;
};

}  // namespace picos::net
