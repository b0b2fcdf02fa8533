// Shared parts of the synchronization primitives.
#include "sync/wait_list.hpp"

#include <picos/log.hpp>

#include <exception>

namespace picos::detail {

std::string task_label(const TaskControl* task) {
  if (task == nullptr) return "<no task>";
  return task->name + "/" + std::to_string(task->id);
}

TaskControl& WaitList::caller(const char* call, bool busy) {
  TaskControl& self = SchedulerCore::require_task(call);
  if (core == self.core) return self;
  if (core == nullptr || (!busy && queue.empty())) {
    core = self.core;
  } else {
    throw WrongContext(std::string("picos: ") + call + " by task " + task_label(&self) +
                       ": this primitive belongs to the tasks of another scheduler");
  }
  return self;
}

TaskControl* WaitList::wake_oldest(const char* call, WakeReason reason) {
  if (queue.empty()) return nullptr;
  if (!core->is_loop_thread()) {
    throw WrongContext(std::string("picos: ") + call + " must be called on the scheduler thread of its waiting tasks");
  }
  return core->wake_one(queue, reason);
}

void WaitList::check_empty_at_destruction(const char* what) const noexcept {
  if (!queue.empty()) {
    log(LogLevel::error, what, " destroyed while task ", task_label(queue.front()),
        " waits on it (undefined behaviour follows)");
  }
}

void misuse(const std::string& message) {
  if (std::uncaught_exceptions() > 0) {
    log(LogLevel::error, message, " (ignored while unwinding)");
    return;
  }
  throw LockError(message);
}

}  // namespace picos::detail
