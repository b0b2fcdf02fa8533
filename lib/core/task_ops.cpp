// picos::Task members: the operations other tasks and threads apply to a task.
#include "core/mailbox.hpp"
#include "core/scheduler_core.hpp"

#include <picos/errors.hpp>
#include <picos/log.hpp>

#include <algorithm>
#include <mutex>
#include <ostream>
#include <system_error>

namespace picos {
namespace {

using detail::SchedulerCore;
using detail::TaskControl;
using detail::TaskState;

// Task names may be changed by the task (set_name, hot swap) while other threads read them.
std::mutex& name_mutex() {
  static auto* mutex = new std::mutex;
  return *mutex;
}

bool resume_here(TaskControl* task, Message&& value) {
  if (task->state == TaskState::ended) return false;
  if (task->state == TaskState::parked && task->wait_kind == detail::WaitKind::suspend) {
    // An empty value (the common resume()) leaves the slot, a line the task need not touch, alone.
    if (!value.empty()) {
      task->slot = std::move(value);
      task->slot_holds_value = true;
    }
    task->core->wake(task, detail::WakeReason::signalled);
    return true;
  }
  log(LogLevel::warning, "resume: task ", task->name, "/", task->id, " is not suspended; ignored");
  return false;
}

// Queues `op(task)` to the task's scheduler thread (the caller is on another thread). The queued
// request keeps the task alive. False when that scheduler has stopped.
// With `wake_owed`, the scheduler is not woken: *wake_owed tells whether the caller must.
template <class Op>
bool post_to_task(const Task& target, Op&& op, bool* wake_owed = nullptr) {
  try {
    detail::Callback request([target, op = std::forward<Op>(op)]() mutable { op(target.control()); });
    if (wake_owed != nullptr) {
      *wake_owed = target.control()->core->post_unwoken(std::move(request));
    } else {
      target.control()->core->post(std::move(request));
    }
  } catch (const SchedulerStopped&) {
    return false;
  }
  return true;
}

Message result_of(TaskControl* task) {
  switch (task->end_kind) {
    case detail::EndKind::finished:
      if (task->result.empty()) return Message{};
      try {
        return task->result;
      } catch (const BadMessageAccess&) {
        return std::move(task->result);  // move-only value: the first caller takes it
      }
    case detail::EndKind::failed:
      std::rethrow_exception(task->error);
    default:
      throw TaskTerminatedError("picos: task " + task->name + "/" + std::to_string(task->id) + " was terminated");
  }
}

[[noreturn]] void throw_timed_out(const char* call) {
  throw std::system_error(std::make_error_code(std::errc::timed_out), std::string("picos: ") + call);
}

}  // namespace

std::uint64_t Task::id() const noexcept { return control_ != nullptr ? control_->id : 0; }

std::string Task::name() const {
  if (control_ == nullptr) return {};
  std::lock_guard<std::mutex> lock(name_mutex());
  return control_->name;
}

std::string Task::to_string() const {
  if (control_ == nullptr) return "<no task>";
  return name() + "/" + std::to_string(control_->id);
}

std::ostream& operator<<(std::ostream& out, const Task& task) { return out << task.to_string(); }

bool Task::is_alive() const noexcept {
  return control_ != nullptr && !control_->ending.load(std::memory_order_acquire) &&
         !control_->ended.load(std::memory_order_acquire);
}

bool Task::resume(Message value) const {
  if (!is_alive()) return false;
  if (control_->core->is_loop_thread()) return resume_here(control_, std::move(value));
  return post_to_task(*this, [value = std::move(value)](TaskControl* task) mutable {
    resume_here(task, std::move(value));
  });
}

bool Task::send(Message message) const {
  if (!is_alive()) return false;
  if (control_->core->is_loop_thread()) return detail::deliver_to_mailbox(control_, std::move(message));
  return post_to_task(*this, [message = std::move(message)](TaskControl* task) mutable {
    detail::deliver_to_mailbox(task, std::move(message));
  });
}

namespace detail {
bool send_all(const Task& task, std::vector<Message>&& messages) {
  bool wake_owed = false;
  const bool sent = send_all(task, std::move(messages), wake_owed);
  if (wake_owed) wake_scheduler_of(task);
  return sent;
}

// Even for a task that ended meanwhile: the request posted for it waits in the inbox, and later
// posts would not wake the loop either. (The scheduler outlives it like in post() itself.)
void wake_scheduler_of(const Task& task) noexcept { task.control()->core->wake_loop(); }

bool send_all(const Task& task, std::vector<Message>&& messages, bool& wake_owed) {
  wake_owed = false;
  if (!task.is_alive()) return false;
  auto deliver_all = [](TaskControl* control, std::vector<Message>& batch) {
    for (Message& message : batch) {
      if (!deliver_to_mailbox(control, std::move(message))) return false;
    }
    return true;
  };
  if (task.control()->core->is_loop_thread()) return deliver_all(task.control(), messages);
  return post_to_task(
      task, [deliver_all, batch = std::move(messages)](TaskControl* control) mutable { deliver_all(control, batch); },
      &wake_owed);
}

bool send_from(const Task& task, std::unique_ptr<MessageSource> source, bool& wake_owed) {
  wake_owed = false;
  if (!task.is_alive()) return false;
  if (task.control()->core->is_loop_thread()) return deliver_source_to_mailbox(task.control(), std::move(source));
  return post_to_task(
      task,
      [source = std::move(source)](TaskControl* control) mutable {
        (void)deliver_source_to_mailbox(control, std::move(source));
      },
      &wake_owed);
}
}  // namespace detail

Delivery Task::deliver(Message message, Timeout /*timeout*/) const {
  return send(std::move(message)) ? Delivery::delivered : Delivery::invalid;
}

bool Task::raise(std::exception_ptr error) const {
  if (!is_alive() || control_ == SchedulerCore::current_task() || !error) return false;
  auto raise_here = [](TaskControl* task, std::exception_ptr&& pending) {
    if (task->state == TaskState::ended) return false;
    task->error = std::move(pending);
    task->core->interrupt(task, detail::interrupt_exception);
    return true;
  };
  if (control_->core->is_loop_thread()) return raise_here(control_, std::move(error));
  return post_to_task(*this, [raise_here, error = std::move(error)](TaskControl* task) mutable {
    raise_here(task, std::move(error));
  });
}

bool Task::terminate() const {
  if (!is_alive()) return false;
  auto terminate_here = [](TaskControl* task) {
    if (task->state == TaskState::ended) return false;
    task->core->interrupt(task, detail::interrupt_terminate);
    return true;
  };
  if (control_->core->is_loop_thread()) return terminate_here(control_);
  return post_to_task(*this, terminate_here);
}

bool Task::monitor(const Task& other) const {
  if (!is_alive() || !other.is_alive()) return false;
  auto monitor_here = [](TaskControl* watched, const Task& watcher) {
    if (watched->state == TaskState::ended) return false;
    watched->ensure_extras().monitors.push_back(watcher);
    return true;
  };
  if (other.control_->core->is_loop_thread()) return monitor_here(other.control_, *this);
  return post_to_task(other, [monitor_here, watcher = *this](TaskControl* watched) {
    if (!monitor_here(watched, watcher)) detail::tell_late_monitor(watched, watcher);
  });
}

Message Task::value(Timeout timeout) const {
  if (control_ == nullptr) throw std::invalid_argument("picos: Task::value() on an empty task handle");
  SchedulerCore* core = control_->core;
  if (SchedulerCore::current_task() != nullptr || core->is_loop_thread()) {
    throw WrongContext("picos: Task::value() blocks the thread; inside a task use Task::finish()");
  }
  if (!control_->ended.load(std::memory_order_acquire)) {
    const std::int64_t deadline = detail::deadline_after(timeout);
    core->add_thread_waiter();
    {
      std::unique_lock<std::mutex> lock(core->thread_wait_mutex());
      auto ended = [this] { return control_->ended.load(std::memory_order_acquire); };
      if (deadline == detail::no_deadline) {
        core->thread_wait_cv().wait(lock, ended);
      } else {
        const auto until = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(deadline));
        core->thread_wait_cv().wait_until(lock, until, ended);
      }
    }
    core->remove_thread_waiter();
    if (!control_->ended.load(std::memory_order_acquire)) throw_timed_out("Task::value() timed out");
  }
  return result_of(control_);
}

Message Task::finish(Timeout timeout) const {
  if (control_ == nullptr) throw std::invalid_argument("picos: Task::finish() on an empty task handle");
  TaskControl& self = SchedulerCore::require_task("Task::finish()");
  if (&self == control_) throw WrongContext("picos: a task cannot finish() itself");
  const std::int64_t deadline = detail::deadline_after(timeout);
  SchedulerCore* here = self.core;
  while (!control_->ended.load(std::memory_order_acquire)) {
    if (detail::monotonic_expired(deadline)) throw_timed_out("Task::finish() timed out");
    if (control_->core == here) {
      here->park_on(control_->ensure_extras().joiners, detail::WaitKind::join, deadline);
    } else {
      Task waiter = handle_of(&self);
      Task target = *this;
      const std::uint32_t seq = self.wait_seq + 1;  // the wait park() is about to start
      try {
        control_->core->post([waiter, target, seq] {
          TaskControl* t = target.control();
          if (t->state == TaskState::ended) {
            detail::wake_remote_joiner(waiter, seq);
          } else {
            t->ensure_extras().remote_joiners.emplace_back(waiter, seq);
          }
        });
      } catch (const SchedulerStopped&) {
        break;  // its scheduler is gone, so the task has ended
      }
      // The other scheduler's loop may stop before it reads the request (its run() returns when
      // its tasks are done), so the wait is also bounded and `ended` re-checked.
      const std::int64_t recheck = detail::monotonic_now() + 20'000'000;
      here->park(detail::WaitKind::join, std::min(deadline, recheck));
    }
  }
  if (!control_->ended.load(std::memory_order_acquire)) throw_timed_out("Task::finish() timed out");
  return result_of(control_);
}

const char* to_string(MonitorStatus::Kind kind) noexcept {
  switch (kind) {
    case MonitorStatus::Kind::finished: return "finished";
    case MonitorStatus::Kind::failed: return "failed";
    case MonitorStatus::Kind::terminated: return "terminated";
  }
  return "unknown";
}

namespace detail {
void rename_task(TaskControl& task, std::string name) {
  std::lock_guard<std::mutex> lock(name_mutex());
  task.name = std::move(name);
}
}  // namespace detail

}  // namespace picos
