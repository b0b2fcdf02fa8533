#pragma once
// The replies to one caller's request(s): the network thread puts them in, the caller (a task of
// any scheduler, or a plain thread) takes them out. Thread-safe.

#include "net/frame.hpp"

#include <picos/task.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

namespace picos::detail {

class SchedulerCore;

class ReplyBox : public std::enable_shared_from_this<ReplyBox> {
 public:
  // A box for the calling task, or for the calling thread outside a task.
  static std::shared_ptr<ReplyBox> for_caller();

  // Adds a reply and wakes the waiter. From any thread; throws std::bad_alloc only.
  void put(net::Frame frame);
  // [B] The oldest reply not taken yet; waits for one until `deadline` (std::nullopt then).
  // Raises the waiting task's interrupts (terminate, throw) like any other wait.
  std::optional<net::Frame> take(std::chrono::steady_clock::time_point deadline);

  ReplyBox(SchedulerCore* core, Task waiter) : core_(core), waiter_(std::move(waiter)) {}

 private:
  SchedulerCore* const core_;  // the waiting task's scheduler; nullptr for a thread
  const Task waiter_;
  std::mutex mutex_;
  std::deque<net::Frame> replies_;
  // The waiting task is parked in the wait numbered `wait_seq_` and not yet told of a reply.
  bool parked_ = false;
  std::uint32_t wait_seq_ = 0;
  std::condition_variable arrived_;  // for a waiting thread
};

}  // namespace picos::detail
