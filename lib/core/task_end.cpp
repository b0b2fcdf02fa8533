// What happens when a task ends: counters, joiners, monitors and waiting threads.
#include "core/exception_info.hpp"
#include "core/scheduler_core.hpp"

#include <picos/log.hpp>

namespace picos::detail {
namespace {

MonitorStatus status_of(TaskControl* task) {
  MonitorStatus status;
  status.task = handle_of(task);
  switch (task->end_kind) {
    case EndKind::finished:
      status.kind = MonitorStatus::Kind::finished;
      try {
        status.value = task->result;
      } catch (const std::exception&) {
        // A value that cannot be copied reaches only the first monitor: see below.
      }
      break;
    case EndKind::failed: {
      status.kind = MonitorStatus::Kind::failed;
      const ExceptionInfo info = describe(task->error);
      status.error_type = info.type;
      status.error_message = info.message;
      status.error = task->error;
      break;
    }
    default:
      status.kind = MonitorStatus::Kind::terminated;
      break;
  }
  return status;
}

void tell_monitors(TaskControl* task) {
  std::vector<Task> monitors = std::move(task->extras->monitors);
  for (std::size_t i = 0; i < monitors.size(); ++i) {
    MonitorStatus status = status_of(task);
    // A move-only return value cannot be copied to every monitor: the last one gets it moved.
    if (i + 1 == monitors.size() && status.kind == MonitorStatus::Kind::finished && status.value.empty()) {
      status.value = std::move(task->result);
    }
    if (!monitors[i].send(Message(std::move(status)))) {
      log(LogLevel::debug, "monitor ", monitors[i], " of ", task->name, "/", task->id, " has ended; dropped");
    }
  }
}

}  // namespace

void wake_remote_joiner(const Task& joiner, std::uint32_t wait_seq) noexcept {
  // A joiner that has ended may belong to a scheduler that is gone: only live tasks are touched.
  if (!joiner.is_alive()) return;
  try {
    joiner.control()->core->post([joiner, wait_seq] {
      joiner.control()->core->wake_if(joiner.control(), wait_seq, WakeReason::signalled);
    });
  } catch (const std::exception& error) {
    log(LogLevel::debug, "could not tell ", joiner, " that a task ended: ", error.what());
  }
}

// A monitor asked for from another thread can reach the task's loop after the task ended (the
// request is posted; the task may end before the loop reads it). It then learns of the end at
// once, as a joiner does, instead of never.
void tell_late_monitor(TaskControl* task, const Task& monitor) noexcept {
  try {
    if (!monitor.send(Message(status_of(task)))) {
      log(LogLevel::debug, "monitor ", monitor, " of ", task->name, "/", task->id, " has ended; dropped");
    }
  } catch (const std::exception& error) {
    log(LogLevel::error, "telling monitor ", monitor, " of the end of ", task->name, "/", task->id,
        " failed: ", error.what());
  }
}

void SchedulerCore::finalize_end(TaskControl* self) noexcept {
  // Monitors and joiners may act on the news at once, from other threads (a remote monitor's
  // peer can deliver to the task again within microseconds): by then the task must already read
  // as not alive. `ended` itself is stored last, once the result is no longer touched here.
  self->ending.store(true, std::memory_order_seq_cst);
  self->state = TaskState::ended;
  unlink_live(self);
  while (self->mail_head != nullptr) delete std::exchange(self->mail_head, self->mail_head->next);
  self->mail_tail = nullptr;
  self->mail_count = 0;
  if (self->slot_holds_mail || self->slot_holds_value) self->slot.reset();
  self->slot_holds_mail = false;
  self->slot_holds_value = false;
  if (self->extras) {
    while (!self->extras->joiners.empty()) wake_one(self->extras->joiners);
    for (auto& [joiner, seq] : self->extras->remote_joiners) wake_remote_joiner(joiner, seq);
    self->extras->remote_joiners.clear();
    try {
      if (!self->extras->monitors.empty()) tell_monitors(self);
    } catch (const std::exception& error) {
      log(LogLevel::error, "telling the monitors of ", self->name, "/", self->id, " failed: ", error.what());
    }
    self->extras->hot_swap.reset();
  }
  self->ended.store(true, std::memory_order_seq_cst);
  count_ended(*self);
  notify_thread_waiters();
}

}  // namespace picos::detail
