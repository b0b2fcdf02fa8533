#pragma once
// The control block behind a picos::Task handle, and the intrusive lists that link it.

#include "core/block_cache.hpp"
#include "core/context.hpp"
#include "core/stack_pool.hpp"

#include <picos/message.hpp>
#include <picos/scheduler.hpp>
#include <picos/task.hpp>

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace picos::detail {

class SchedulerCore;
struct TaskControl;

enum class TaskState : std::uint8_t { ready, running, parked, ended };
enum class EndKind : std::uint8_t { none, finished, failed, terminated };
// What a parked task waits for; hot swap may only interrupt suspend and receive waits.
enum class WaitKind : std::uint8_t { none, suspend, receive, join, sync, io, other };
enum class WakeReason : std::uint8_t { none, signalled, timed_out, interrupted };

// Bits of TaskControl::interrupts.
inline constexpr std::uint8_t interrupt_exception = 1;
inline constexpr std::uint8_t interrupt_terminate = 2;
inline constexpr std::uint8_t interrupt_hot_swap = 4;

inline constexpr std::int64_t no_deadline = INT64_MAX;
inline constexpr std::uint32_t not_in_heap = UINT32_MAX;

// FIFO of parked tasks, linked through TaskControl::wait_prev/wait_next. A task is in at most one
// wait queue at a time; the scheduler unlinks it when it wakes for any reason.
class WaitQueue {
 public:
  WaitQueue() = default;
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;
  [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
  [[nodiscard]] TaskControl* front() const noexcept { return head_; }
  void push_back(TaskControl* task) noexcept;
  void remove(TaskControl* task) noexcept;
  TaskControl* pop_front() noexcept;

 private:
  TaskControl* head_ = nullptr;
  TaskControl* tail_ = nullptr;
};

// Messages made one by one as a task takes them (e.g. decoded from bytes a peer sent), which a
// mailbox holds in one node in their place. Used on the task's scheduler thread only.
class MessageSource {
 public:
  explicit MessageSource(std::size_t count) noexcept : left_(count) {}
  virtual ~MessageSource() = default;
  // Messages not taken yet (an upper bound: one that cannot be made is skipped).
  [[nodiscard]] std::size_t remaining() const noexcept { return left_; }
  // The next message; std::nullopt when none is left. Skips (and logs) any that cannot be made.
  virtual std::optional<Message> next() = 0;

 protected:
  // Counted down by next() for every message it takes, made or skipped.
  std::size_t left_;
};

// A mailbox entry: one message, or (with `source`) the messages a source will make.
struct MessageNode {
  MessageNode* next = nullptr;
  Message message;
  std::unique_ptr<MessageSource> source{};
  static void* operator new(std::size_t size) { return allocate_message_block(size); }
  static void operator delete(void* block) noexcept { free_message_block(block); }
};

// Rarely used parts of a task, allocated on first use (on the scheduler thread).
struct TaskExtras {
  std::vector<Task> monitors;
  WaitQueue joiners;                            // tasks of the same scheduler in finish()
  std::vector<std::pair<Task, std::uint32_t>> remote_joiners;  // tasks of other schedulers
  std::shared_ptr<void> hot_swap;               // owned by the hotswap module
  std::shared_ptr<void> categories;             // owned by the message module
};

// Field order follows use: waking, switching to and ending a task touch only its first 192 bytes
// (four cache lines at most), which matters when 100k parked tasks are resumed and none of their
// blocks is in the cache any more.
struct TaskControl {
  // ---- line 0: wake(), resume(), the switch -------------------------------------------------
  std::atomic<std::uint32_t> refs{1};
  TaskState state = TaskState::ready;
  EndKind end_kind = EndKind::none;
  WaitKind wait_kind = WaitKind::none;
  WakeReason wake_reason = WakeReason::none;
  std::uint8_t interrupts = 0;
  bool daemon = false;
  bool compact = false;
  bool started = false;
  bool runnable_on_stack = false;
  bool slot_holds_mail = false;        // `slot` holds a message handed over by the mailbox
  bool slot_holds_value = false;       // `slot` holds a value given by resume()
  std::atomic<bool> ended{false};
  std::atomic<bool> ending{false};    // set first thing when the task ends: no longer alive
  std::uint32_t heap_index = not_in_heap;
  std::uint32_t wait_seq = 0;
  SchedulerCore* core = nullptr;
  TaskControl* ready_next = nullptr;
  WaitQueue* wait_queue = nullptr;
  ExecutionContext context;            // starts with the saved stack pointer
  // ---- line 1-2: the task's stack and its end ------------------------------------------------
  Stack stack;                         // dedicated stack
  StackPool* stack_pool = nullptr;     // where `stack` goes back
  TaskControl* all_prev = nullptr;     // every live task of the scheduler
  TaskControl* all_next = nullptr;
  Runnable* runnable = nullptr;
  MessageNode* mail_head = nullptr;
  std::unique_ptr<TaskExtras> extras;
  // ---- the rest: waits with timeouts, compact stacks, mail, results --------------------------
  bool hot_swappable = false;
  std::int64_t deadline = no_deadline;
  TaskControl* wait_prev = nullptr;
  TaskControl* wait_next = nullptr;
  char* saved_stack = nullptr;         // compact: bytes copied out of the shared stack
  std::uint32_t saved_size = 0;
  std::uint32_t saved_capacity = 0;
  MessageNode* mail_tail = nullptr;
  std::size_t mail_count = 0;
  std::uint64_t id = 0;
  std::exception_ptr error;            // failure once ended; pending raise() before that
  std::string name;
  Message slot;                        // resume value / received message handed over on wake
  Message result;                      // return value once finished (left empty for no value)

  static void* operator new(std::size_t size) { return allocate_task_block(size); }
  static void operator delete(void* block) noexcept { free_task_block(block); }

  TaskExtras& ensure_extras() {
    if (!extras) extras = std::make_unique<TaskExtras>();
    return *extras;
  }
  ~TaskControl();
};

// Renames a task (thread-safe against Task::name()).
void rename_task(TaskControl& task, std::string name);

// A new reference to `task` as a handle.
[[nodiscard]] inline Task handle_of(TaskControl* task) noexcept {
  task->refs.fetch_add(1, std::memory_order_relaxed);
  return Task::adopt(task);
}

}  // namespace picos::detail
