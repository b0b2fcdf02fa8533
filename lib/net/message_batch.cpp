#include "net/message_batch.hpp"

#include "core/mailbox.hpp"
#include "message/registry.hpp"
#include "net/send_frame.hpp"

#include <picos/log.hpp>

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>

namespace picos::net {
namespace {

// Encoded messages, decoded one by one on the receiving task's scheduler thread as the task takes
// them. A backlog then stays in this compact form, and each message's strings and buffers are
// made and freed by that one thread: decoded on the network thread as they arrived, a stream's
// messages piled up decoded while the task fell behind, and each was freed by another thread than
// the one that made it, which together cost more than the decoding.
class EncodedMessages final : public detail::MessageSource {
 public:
  EncodedMessages(Bytes bytes, std::size_t count, std::shared_ptr<EncodedBufferPool> pool)
      : MessageSource(count),
        bytes_(std::move(bytes)),
        walker_(bytes_, std::endian::native == std::endian::little),
        pool_(std::move(pool)) {}
  ~EncodedMessages() override { pool_->give(std::move(bytes_), MessageBatch::max_encoded_bytes); }
  EncodedMessages(const EncodedMessages&) = delete;
  EncodedMessages& operator=(const EncodedMessages&) = delete;

  // A message sent without its type prefix is decoded by its type's plain parser, looked up once
  // per message sent whole (no name lookup per message), or else rebuilt whole.
  std::optional<Message> next() override {
    while (left_ != 0) {
      const net::BatchedMessages::Part part = walker_.next_part();
      --left_;
      try {
        if (!part.shares_type) {
          parse_known_ = false;
          return deserialize(part.bytes);
        }
        if (!parse_known_) {
          parse_ = detail::plain_parser_of(part.type);
          parse_known_ = true;
        }
        return parse_ != nullptr ? parse_(part.bytes) : deserialize(walker_.whole(part));
      } catch (const SerializationError& error) {
        log(LogLevel::warning, "picos: undecodable message from a peer dropped: ", error.what());
      }
    }
    return std::nullopt;
  }

 private:
  Bytes bytes_;
  net::BatchedMessages walker_;
  std::shared_ptr<EncodedBufferPool> pool_;
  detail::ParseFn parse_ = nullptr;  // of the last message sent whole, once parse_known_
  bool parse_known_ = false;
};

}  // namespace

// A buffer goes back to the pool when the task has taken its messages, usually soon; a few kept
// buffers serve a stream without the allocator (each new one would be faulted in page by page).
Bytes EncodedBufferPool::take(std::size_t capacity) {
  Bytes buffer;
  {
    std::lock_guard lock(mutex_);
    if (!free_.empty()) {
      buffer = std::move(free_.back());
      free_.pop_back();
    }
  }
  if (buffer.capacity() == 0) buffer.reserve(capacity);
  lent_.fetch_add(1, std::memory_order_relaxed);
  return buffer;
}

void EncodedBufferPool::give(Bytes&& buffer, std::size_t capacity) noexcept {
  lent_.fetch_sub(1, std::memory_order_relaxed);
  if (buffer.capacity() == 0 || buffer.capacity() > 2 * capacity) return;
  buffer.clear();
  std::lock_guard lock(mutex_);
  if (free_.size() >= max_kept) return;
  try {
    free_.push_back(std::move(buffer));
  } catch (const std::bad_alloc&) {  // then it is freed like any other
  }
}

void MessageBatch::switch_to(const Task& task, bool encoded) {
  const bool held_other_form = encoded ? !messages_.empty() : encoded_count_ != 0;
  if (task_ && (*task_ != task || held_other_form)) flush();
  if (!task_) task_ = task;
}

void MessageBatch::add(const Task& task, Message&& message) {
  switch_to(task, false);
  // The last batch's vector went with it: growing would move every message.
  if (messages_.capacity() == 0) messages_.reserve(max_messages);
  messages_.push_back(std::move(message));
  // Bounded so that a long stream for one task reaches it in steps instead of at its end.
  if (messages_.size() >= max_messages) flush();
}

void MessageBatch::add_encoded(const Task& task, std::span<const std::byte> encoded) {
  const auto size = static_cast<std::uint32_t>(encoded.size());
  std::byte size_bytes[sizeof size];
  std::memcpy(size_bytes, &size, sizeof size);
  append_encoded(task, size_bytes, encoded, 1);
}

void MessageBatch::add_encoded_run(const Task& task, std::span<const std::byte> run, std::size_t count) {
  append_encoded(task, {}, run, count);
}

void MessageBatch::append_encoded(const Task& task, std::span<const std::byte> head, std::span<const std::byte> body,
                                  std::size_t count) {
  // What does not fit goes into a buffer of its own: growing this one would copy it and make a
  // buffer too big to be kept. (Flushed before switch_to() picks the task: flushing forgets it.)
  if (encoded_count_ != 0 && encoded_.size() + head.size() + body.size() > encoded_.capacity()) flush();
  switch_to(task, true);
  if (encoded_.capacity() == 0) encoded_ = pool_->take(max_encoded_bytes);
  encoded_.insert(encoded_.end(), head.begin(), head.end());
  encoded_.insert(encoded_.end(), body.begin(), body.end());
  encoded_count_ += count;
  if (encoded_.size() >= max_encoded_bytes) flush();
}

void MessageBatch::flush() noexcept {
  if (const std::optional<Task> owed = flush_unwoken()) detail::wake_scheduler_of(*owed);
}

std::optional<Task> MessageBatch::flush_unwoken() noexcept {
  const std::size_t count = messages_.size() + encoded_count_;
  if (count == 0) return std::nullopt;
  bool wake_owed = false;
  try {
    const bool sent = encoded_count_ != 0
                          ? detail::send_from(*task_, std::make_unique<EncodedMessages>(std::move(encoded_), count, pool_),
                                              wake_owed)
                          : detail::send_all(*task_, std::move(messages_), wake_owed);
    if (!sent) log(LogLevel::info, "picos: ", count, " messages for ended task ", *task_, " dropped");
  } catch (const std::exception& error) {
    log(LogLevel::error, "picos: ", count, " messages for task ", *task_, " dropped: ", error.what());
  }
  messages_.clear();  // a vector moved from is valid but unspecified
  encoded_.clear();
  encoded_count_ = 0;
  std::optional<Task> owed;
  if (wake_owed) owed = std::move(task_);
  task_.reset();
  return owed;
}

}  // namespace picos::net
