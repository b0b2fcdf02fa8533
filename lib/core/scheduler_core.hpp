#pragma once
// The single-threaded engine behind picos::Scheduler: ready queue, timers, poller, inbox and the
// switching between task contexts. Everything here runs on the scheduler's thread except where a
// comment says "thread-safe".

#include "core/callback.hpp"
#include "core/context.hpp"
#include "core/stack_pool.hpp"
#include "core/task_control.hpp"
#include "core/timer_heap.hpp"
#include "poller/poller.hpp"

#include <picos/scheduler.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace picos::detail {

// Nanoseconds on the monotonic clock.
[[nodiscard]] std::int64_t monotonic_now() noexcept;
// now + timeout, or no_deadline for an infinite timeout.
[[nodiscard]] std::int64_t deadline_after(const Timeout& timeout) noexcept;
// True once `deadline` (from deadline_after) has passed.
[[nodiscard]] inline bool monotonic_expired(std::int64_t deadline) noexcept {
  return deadline != INT64_MAX && monotonic_now() >= deadline;
}

// Wakes `joiner` (a task of another scheduler waiting in finish()) if it is still in the wait
// numbered `wait_seq`. Thread-safe; does nothing for an ended joiner.
void wake_remote_joiner(const Task& joiner, std::uint32_t wait_seq) noexcept;

// Sends `monitor` the MonitorStatus of `task`, which has ended (a value that cannot be copied is
// left out: the last monitor of the end took it). On `task`'s loop thread. Never throws.
void tell_late_monitor(TaskControl* task, const Task& monitor) noexcept;

// Entry function of every task context.
void task_main();

class SchedulerCore;
// The core whose loop runs on this thread. initial-exec: one %fs-relative load, no call.
extern constinit thread_local SchedulerCore* tl_core __attribute__((tls_model("initial-exec")));

class SchedulerCore {
 public:
  SchedulerCore(Scheduler& owner, const SchedulerOptions& options);
  ~SchedulerCore();
  SchedulerCore(const SchedulerCore&) = delete;
  SchedulerCore& operator=(const SchedulerCore&) = delete;

  // ---- who is running -------------------------------------------------------------------
  // The core whose loop runs on the calling thread, or nullptr.
  [[nodiscard]] static SchedulerCore* on_this_thread() noexcept { return tl_core; }
  // The running task of the core on this thread, or nullptr on a plain thread.
  [[nodiscard]] static TaskControl* current_task() noexcept {
    return tl_core != nullptr ? tl_core->current_ : nullptr;
  }
  // The running task; throws WrongContext naming `call` on a plain thread.
  static TaskControl& require_task(const char* call) {
    TaskControl* task = current_task();
    if (task == nullptr) throw_not_in_task(call);
    return *task;
  }
  [[noreturn]] static void throw_not_in_task(const char* call);
  [[nodiscard]] bool is_loop_thread() const noexcept { return on_this_thread() == this; }

  // ---- tasks ----------------------------------------------------------------------------
  // Creates a task. On the loop thread it becomes ready at once; from other threads it is queued
  // through the inbox. Thread-safe.
  Task spawn(TaskOptions&& options, const RunnableRecipe& recipe);

  // ---- blocking (current task only) ------------------------------------------------------
  // Parks the current task until wake() or `deadline`; returns why it woke. Raises pending
  // interrupts (raise(), terminate(), hot swap) before parking and after waking.
  WakeReason park(WaitKind kind, std::int64_t deadline);
  // park() on `queue`: the task is linked into it and unlinked whatever wakes it.
  WakeReason park_on(WaitQueue& queue, WaitKind kind, std::int64_t deadline);
  // Puts the current task at the back of the ready queue and runs the others once.
  void yield();
  // Raises the pending interrupts of the current task that apply at a wait of `kind`.
  void raise_interrupts(TaskControl& self, WaitKind kind);
  // A function that must run on this thread before the current task gives up the thread: run
  // once, and cleared, when the task next parks, yields or ends (after its body and its captures
  // are gone, before anyone learns that it ended). The net module queues there the messages a
  // task staged for peers. Must not park. Loop thread only.
  using SwitchOutHook = void (*)() noexcept;
  void set_switch_out_hook(SwitchOutHook hook) noexcept { switch_out_hook_ = hook; }

  // ---- waking (loop thread) --------------------------------------------------------------
  // Makes a parked task ready with `reason`; false when it was not parked.
  bool wake(TaskControl* task, WakeReason reason) noexcept;
  // wake() only if the task is still in the wait numbered `wait_seq`.
  bool wake_if(TaskControl* task, std::uint32_t wait_seq, WakeReason reason) noexcept;
  // Wakes the first parked task of `queue`; returns it or nullptr.
  TaskControl* wake_one(WaitQueue& queue, WakeReason reason = WakeReason::signalled) noexcept;
  // Sets interrupt bits and wakes the task if parked (terminate/raise/hot swap).
  void interrupt(TaskControl* task, std::uint8_t bits) noexcept;

  // ---- cross-thread ------------------------------------------------------------------------
  // Runs `callback` on the loop thread soon. Thread-safe. Throws SchedulerStopped once stopped.
  void post(Callback callback);
  // post() without waking the loop: true when the caller must call wake_loop() soon (the loop
  // may be asleep, and posts made meanwhile do not wake it either). Thread-safe. Throws
  // SchedulerStopped once stopped.
  [[nodiscard]] bool post_unwoken(Callback callback);
  // Runs `callback` now when on the loop thread, else post()s it.
  void run_or_post(Callback callback);

  // ---- the loop ----------------------------------------------------------------------------
  // One pass: inbox, timers, ready tasks, poll. `may_block`: poll may wait for events.
  void loop_once(bool may_block) {
    run_pass();
    poll_pass(may_block);
  }
  // Runs passes until `done()` is true. Binds the core to the calling thread meanwhile.
  template <class Done>
  void run_loop(Done done) {
    ThreadBinding binding(this);
    while (!done()) {
      run_pass();
      if (done()) break;
      poll_pass(true);
    }
  }
  // Interrupts every live task with terminate and runs the loop until none is left.
  void terminate_all();
  // Wakes the loop (thread-safe), e.g. after a stop request.
  void wake_loop() noexcept { poller_->wake(); }

  // ---- bookkeeping --------------------------------------------------------------------------
  [[nodiscard]] std::size_t pending_timers() const noexcept { return timers_.size(); }
  [[nodiscard]] std::size_t live_tasks() const noexcept { return live_tasks_.load(std::memory_order_relaxed); }
  // Non-daemon tasks alive or queued for admission. Reads the queued count first: admission adds
  // to the live count before it takes from the queued one, so the sum never dips to 0 falsely.
  [[nodiscard]] std::size_t live_non_daemon() const noexcept {
    const std::size_t queued = queued_non_daemon_.load(std::memory_order_acquire);
    return queued + live_non_daemon_.load(std::memory_order_acquire);
  }
  void set_daemon(TaskControl& task, bool daemon) noexcept;
  // Thread waits (join(), Task::value()) block on this pair; the loop notifies it when a task a
  // thread waits for ends and when the last non-daemon task ends.
  std::mutex& thread_wait_mutex() noexcept { return thread_wait_mutex_; }
  std::condition_variable& thread_wait_cv() noexcept { return thread_wait_cv_; }
  void notify_thread_waiters() noexcept;
  void add_thread_waiter() noexcept { thread_waiters_.fetch_add(1, std::memory_order_seq_cst); }
  void remove_thread_waiter() noexcept { thread_waiters_.fetch_sub(1, std::memory_order_seq_cst); }

  [[nodiscard]] Poller& poller() noexcept { return *poller_; }
  [[nodiscard]] Scheduler* owner() const noexcept { return owner_; }
  [[nodiscard]] const SchedulerOptions& options() const noexcept { return options_; }
  [[nodiscard]] const SharedStack& shared_stack() const noexcept { return shared_stack_; }
  [[nodiscard]] bool stopped() const noexcept { return stopped_.load(std::memory_order_acquire); }
  void mark_stopped() noexcept { stopped_.store(true, std::memory_order_release); }

  // Ends the current task (called by its entry function); never returns.
  [[noreturn]] void end_current_task(TaskControl* self) noexcept;

 private:
  struct ThreadBinding {
    explicit ThreadBinding(SchedulerCore* core) noexcept;
    ~ThreadBinding();
    SchedulerCore* previous;
  };

  void admit(TaskControl* task, const RunnableRecipe* recipe, bool queued);
  // A task spawned from another thread whose admission failed (e.g. no stack): it ends failed.
  void fail_unadmitted(TaskControl* task, std::exception_ptr error) noexcept;
  void push_ready(TaskControl* task) noexcept;
  TaskControl* pop_ready() noexcept;
  // Leaves the current task (already parked or re-queued): jumps to the next ready task when that
  // needs no stack copying, else to the loop. `look_ahead`: prefetch for the tasks queued behind
  // it (worth it when tasks park or end; a yield loop among few tasks has them cached).
  void switch_out(TaskControl* self, bool look_ahead) noexcept;
  // Chooses the next context to continue; nullptr means the loop.
  TaskControl* next_direct(bool look_ahead) noexcept;
  // Starts loading the block and stack top of the task behind `next` in the ready queue, and the
  // block of the one after that.
  static void prefetch_behind(const TaskControl* next) noexcept;
  // Resumes `task` from the loop context, doing compact stack copies first.
  void resume_from_loop(TaskControl* task) noexcept;
  void save_shared_stack_owner() noexcept;
  void check_stack(const TaskControl* self) const noexcept;
  void run_ready() noexcept;
  void run_pass();
  void poll_pass(bool may_block);
  void fire_timers() noexcept;
  void drain_inbox();
  std::int64_t poll_timeout(bool may_block) const noexcept;
  void finalize_end(TaskControl* self) noexcept;
  void link_live(TaskControl* task) noexcept;
  void unlink_live(TaskControl* task) noexcept;
  StackPool& pool_for(std::size_t stack_size);

  Scheduler* owner_;
  SchedulerOptions options_;
  std::unique_ptr<Poller> poller_;
  ExecutionContext loop_context_;
  TaskControl* current_ = nullptr;
  SwitchOutHook switch_out_hook_ = nullptr;
  TaskControl* ready_head_ = nullptr;
  TaskControl* ready_tail_ = nullptr;
  TaskControl* loop_next_ = nullptr;     // chosen by a task, needs the loop for stack copies
  TaskControl* shared_owner_ = nullptr;  // compact task whose bytes are on the shared stack
  TaskControl* all_tasks_ = nullptr;
  int switch_budget_ = 0;
  TimerHeap timers_;
  StackPool default_pool_;
  std::map<std::size_t, std::unique_ptr<StackPool>> other_pools_;
  SharedStack shared_stack_;

  // Written only on the loop thread (no locked instructions on the spawn path); read anywhere.
  std::atomic<std::size_t> live_tasks_{0};
  std::atomic<std::size_t> live_non_daemon_{0};
  // Non-daemon tasks spawned from other threads and not admitted yet.
  std::atomic<std::size_t> queued_non_daemon_{0};
  void count_admitted(const TaskControl& task) noexcept;
  void count_ended(const TaskControl& task) noexcept;
  void adjust_non_daemon(bool increase) noexcept;
  std::atomic<bool> stopped_{false};

  std::mutex inbox_mutex_;
  std::vector<Callback> inbox_;
  std::vector<Callback> inbox_draining_;
  std::atomic<bool> inbox_pending_{false};

  std::mutex thread_wait_mutex_;
  std::condition_variable thread_wait_cv_;
  std::atomic<int> thread_waiters_{0};

  friend void task_main();
  friend struct CoreAccess;
};

}  // namespace picos::detail
