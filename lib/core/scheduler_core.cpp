#include "core/scheduler_core.hpp"

#include <picos/errors.hpp>
#include <picos/log.hpp>

#include <chrono>
#include <utility>

namespace picos::detail {
constinit thread_local SchedulerCore* tl_core __attribute__((tls_model("initial-exec"))) = nullptr;

std::int64_t monotonic_now() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t deadline_after(const Timeout& timeout) noexcept {
  if (timeout.is_infinite()) return no_deadline;
  const std::int64_t now = monotonic_now();
  const std::int64_t ns = timeout.duration().count();
  return ns > no_deadline - now ? no_deadline : now + ns;
}

SchedulerCore::ThreadBinding::ThreadBinding(SchedulerCore* core) noexcept : previous(tl_core) { tl_core = core; }
SchedulerCore::ThreadBinding::~ThreadBinding() { tl_core = previous; }

void SchedulerCore::throw_not_in_task(const char* call) {
  throw WrongContext(std::string("picos: ") + call +
                     " must be called from inside a task (it suspends the calling task)");
}

SchedulerCore::SchedulerCore(Scheduler& owner, const SchedulerOptions& options)
    : owner_(&owner),
      options_(options),
      default_pool_(options.stack_size),
      shared_stack_(options.compact_stack_size) {
  poller_ = make_poller(*this, options_.poller);
}

SchedulerCore::~SchedulerCore() {
  // Tasks still alive here were never run to their end (terminate_all() runs first); free them.
  while (all_tasks_ != nullptr) {
    TaskControl* task = all_tasks_;
    unlink_live(task);
    if (task->runnable != nullptr && !task->runnable_on_stack) delete task->runnable;
    task->runnable = nullptr;
    task->ended.store(true, std::memory_order_release);
    release(task);
  }
}

StackPool& SchedulerCore::pool_for(std::size_t stack_size) {
  if (stack_size == 0 || stack_size == options_.stack_size) return default_pool_;
  auto& pool = other_pools_[stack_size];
  if (!pool) pool = std::make_unique<StackPool>(stack_size);
  return *pool;
}

void SchedulerCore::link_live(TaskControl* task) noexcept {
  task->all_prev = nullptr;
  task->all_next = all_tasks_;
  if (all_tasks_ != nullptr) all_tasks_->all_prev = task;
  all_tasks_ = task;
}

void SchedulerCore::unlink_live(TaskControl* task) noexcept {
  if (task->all_prev != nullptr) task->all_prev->all_next = task->all_next;
  else all_tasks_ = task->all_next;
  if (task->all_next != nullptr) task->all_next->all_prev = task->all_prev;
  task->all_prev = task->all_next = nullptr;
}

void SchedulerCore::adjust_non_daemon(bool increase) noexcept {
  const std::size_t count = live_non_daemon_.load(std::memory_order_relaxed);
  live_non_daemon_.store(increase ? count + 1 : count - 1, std::memory_order_release);
  if (!increase && count == 1) {
    // Pairs with the waiter's increment of thread_waiters_ before it checks the count.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    notify_thread_waiters();
  }
}

void SchedulerCore::count_admitted(const TaskControl& task) noexcept {
  live_tasks_.store(live_tasks_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (!task.daemon) adjust_non_daemon(true);
}

void SchedulerCore::count_ended(const TaskControl& task) noexcept {
  live_tasks_.store(live_tasks_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  if (!task.daemon) adjust_non_daemon(false);
}

void SchedulerCore::set_daemon(TaskControl& task, bool daemon) noexcept {
  if (task.daemon == daemon || task.state == TaskState::ended) return;
  task.daemon = daemon;
  adjust_non_daemon(!daemon);
}

void SchedulerCore::notify_thread_waiters() noexcept {
  if (thread_waiters_.load(std::memory_order_seq_cst) == 0) return;
  std::lock_guard<std::mutex> lock(thread_wait_mutex_);
  thread_wait_cv_.notify_all();
}

// ---- inbox -----------------------------------------------------------------------------------

void SchedulerCore::post(Callback callback) {
  if (post_unwoken(std::move(callback))) poller_->wake();
}

// Only the post that finds the inbox empty wakes the loop: the loop drains the whole inbox once
// awake, so later posts ride on that wake-up.
bool SchedulerCore::post_unwoken(Callback callback) {
  if (stopped()) throw SchedulerStopped("picos: the scheduler has been finished or terminated");
  std::lock_guard<std::mutex> lock(inbox_mutex_);
  const bool was_empty = inbox_.empty();
  inbox_.push_back(std::move(callback));
  inbox_pending_.store(true, std::memory_order_release);
  return was_empty;
}

void SchedulerCore::run_or_post(Callback callback) {
  if (is_loop_thread()) callback();
  else post(std::move(callback));
}

void SchedulerCore::drain_inbox() {
  {
    std::lock_guard<std::mutex> lock(inbox_mutex_);
    inbox_draining_.swap(inbox_);
    inbox_pending_.store(false, std::memory_order_relaxed);
  }
  for (Callback& callback : inbox_draining_) {
    try {
      callback();
    } catch (const std::exception& error) {
      log(LogLevel::error, "cross-thread request failed: ", error.what());
    }
  }
  inbox_draining_.clear();
}

// ---- the loop --------------------------------------------------------------------------------

void SchedulerCore::fire_timers() noexcept {
  if (timers_.empty()) return;
  const std::int64_t now = monotonic_now();
  while (TaskControl* task = timers_.pop_expired(now)) wake(task, WakeReason::timed_out);
}

std::int64_t SchedulerCore::poll_timeout(bool may_block) const noexcept {
  if (!may_block || ready_head_ != nullptr || inbox_pending_.load(std::memory_order_acquire)) return 0;
  if (timers_.empty()) return -1;
  const std::int64_t remaining = timers_.top()->deadline - monotonic_now();
  return remaining > 0 ? remaining : 0;
}

void SchedulerCore::run_pass() {
  if (inbox_pending_.load(std::memory_order_acquire)) drain_inbox();
  fire_timers();
  run_ready();
}

void SchedulerCore::poll_pass(bool may_block) {
  const std::int64_t timeout = poll_timeout(may_block);
  if (timeout != 0 || !poller_->idle()) poller_->poll(timeout);
}

void SchedulerCore::terminate_all() {
  ThreadBinding binding(this);
  // The second round runs after new requests are refused, for tasks that arrived meanwhile.
  for (int round = 0; round < 2; ++round) {
    if (round == 1) mark_stopped();
    while (true) {
      if (inbox_pending_.load(std::memory_order_acquire)) drain_inbox();
      if (live_tasks() == 0) break;
      for (TaskControl* task = all_tasks_; task != nullptr; task = task->all_next) {
        interrupt(task, interrupt_terminate);
      }
      loop_once(false);
    }
  }
}

}  // namespace picos::detail
