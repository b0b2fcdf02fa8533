#pragma once
// Messages that arrived from a peer for one local task, handed to that task's scheduler together.

#include <picos/message.hpp>
#include <picos/serialization.hpp>
#include <picos/task.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace picos::net {

// Buffers for encoded messages, back from the tasks that took their messages (a MessageBatch's
// own, shared with them). Thread-safe.
class EncodedBufferPool {
 public:
  // A kept buffer, or a new one of `capacity`. Throws std::bad_alloc.
  Bytes take(std::size_t capacity);
  // Keeps `buffer` for take() (a few at most, none larger than twice `capacity`). Never throws.
  void give(Bytes&& buffer, std::size_t capacity) noexcept;
  // Buffers taken and not given back yet: the messages of the connection waiting for their tasks.
  [[nodiscard]] std::size_t lent() const noexcept { return lent_.load(std::memory_order_relaxed); }

  // Most buffers kept for take().
  static constexpr std::size_t max_kept = 32;

 private:
  std::mutex mutex_;
  std::vector<Bytes> free_;
  std::atomic<std::size_t> lent_{0};
};

class MessageBatch {
 public:
  // Decoded messages held before add() hands them over by itself.
  static constexpr std::size_t max_messages = 256;
  // Bytes of encoded messages held before add_encoded() hands them over by itself.
  static constexpr std::size_t max_encoded_bytes = 64 * 1024;

  MessageBatch() = default;
  MessageBatch(const MessageBatch&) = delete;
  MessageBatch& operator=(const MessageBatch&) = delete;
  // Hands over what is held (see flush()).
  ~MessageBatch() { flush(); }

  // Queues `message` for `task` after the ones held; hands the held ones over first when they are
  // for another task or encoded. Throws std::bad_alloc only.
  void add(const Task& task, Message&& message);
  // Queues a copy of `encoded` (serialize() bytes) for `task` after the ones held, to be decoded
  // on the task's scheduler thread when handed over; one that does not decode is logged there
  // (warning) and dropped. Hands the held ones over first when they are for another task or
  // decoded. Throws std::bad_alloc only.
  void add_encoded(const Task& task, std::span<const std::byte> encoded);
  // add_encoded() of `count` messages laid out as in a send_batch frame (send_frame.hpp: each
  // one's size field, in this host's byte order, and bytes, some without their type prefix), which
  // `run` must hold exactly (checked by decode_send_batch()), copied at once. Throws
  // std::bad_alloc only.
  void add_encoded_run(const Task& task, std::span<const std::byte> run, std::size_t count);
  // Sends what is held to its task's mailbox, in order (dropped when that task has ended), and
  // empties the batch. Never throws.
  void flush() noexcept;
  // Encoded messages handed over and not yet taken by their tasks fill more buffers than the
  // pool keeps (their reader should wait for the tasks), or at most half as many (caught up).
  [[nodiscard]] bool backlogged() const noexcept { return pool_->lent() > EncodedBufferPool::max_kept; }
  [[nodiscard]] bool caught_up() const noexcept { return pool_->lent() <= EncodedBufferPool::max_kept / 2; }
  // flush(), leaving the wake-up of the task's scheduler to the caller: returns the task to pass
  // to detail::wake_scheduler_of() soon when one is owed. Never throws.
  [[nodiscard]] std::optional<Task> flush_unwoken() noexcept;

 private:
  // Makes `task` the batch's task, handing over what is held for another task or in the other
  // form (`encoded`) first.
  void switch_to(const Task& task, bool encoded);
  // Appends `head` then `body`, holding `count` encoded messages, for `task`.
  void append_encoded(const Task& task, std::span<const std::byte> head, std::span<const std::byte> body,
                      std::size_t count);

  const std::shared_ptr<EncodedBufferPool> pool_ = std::make_shared<EncodedBufferPool>();
  std::optional<Task> task_;
  std::vector<Message> messages_;
  // Encoded messages laid out as in a send_batch frame, size fields in this host's byte order.
  Bytes encoded_;
  std::size_t encoded_count_ = 0;
};

}  // namespace picos::net
