// picos::this_task: what a task does to itself.
#include "core/mailbox.hpp"
#include "core/scheduler_core.hpp"

#include <picos/this_task.hpp>

namespace picos::this_task {
namespace {
using detail::SchedulerCore;
using detail::TaskControl;
using detail::WakeReason;

bool is_zero(const Timeout& timeout) { return !timeout.is_infinite() && timeout.duration().count() == 0; }

void drop_resume_value(TaskControl& self) noexcept {
  if (!self.slot_holds_value) return;
  self.slot_holds_value = false;
  self.slot.reset();
}
}  // namespace

Task current() noexcept {
  TaskControl* task = SchedulerCore::current_task();
  return task != nullptr ? detail::handle_of(task) : Task{};
}

bool in_task() noexcept { return SchedulerCore::current_task() != nullptr; }

Message suspend(Timeout timeout, Message alarm) {
  TaskControl& self = SchedulerCore::require_task("this_task::suspend()");
  if (is_zero(timeout)) {
    if (self.interrupts != 0) self.core->raise_interrupts(self, detail::WaitKind::suspend);
    return alarm;
  }
  WakeReason reason = WakeReason::none;
  try {
    reason = self.core->park(detail::WaitKind::suspend, detail::deadline_after(timeout));
  } catch (...) {
    drop_resume_value(self);  // woken by resume() but interrupted before taking the value
    throw;
  }
  if (reason != WakeReason::signalled || !self.slot_holds_value) {
    drop_resume_value(self);
    return reason == WakeReason::signalled ? Message{} : alarm;
  }
  self.slot_holds_value = false;
  Message value = std::move(self.slot);
  self.slot.reset();
  return value;
}

Message sleep(Timeout duration) { return suspend(duration, Message{}); }

// yield() is defined in switching.cpp, next to the switch it inlines.

Message receive() {
  TaskControl& self = SchedulerCore::require_task("this_task::receive()");
  while (true) {
    if (self.interrupts != 0) self.core->raise_interrupts(self, detail::WaitKind::receive);
    if (auto message = detail::take_message(self)) return std::move(*message);
    self.core->park(detail::WaitKind::receive, detail::no_deadline);
  }
}

std::optional<Message> receive(Timeout timeout) {
  TaskControl& self = SchedulerCore::require_task("this_task::receive()");
  const std::int64_t deadline = detail::deadline_after(timeout);
  while (true) {
    if (self.interrupts != 0) self.core->raise_interrupts(self, detail::WaitKind::receive);
    if (auto message = detail::take_message(self)) return message;
    if (is_zero(timeout) || detail::monotonic_expired(deadline)) return std::nullopt;
    if (self.core->park(detail::WaitKind::receive, deadline) == WakeReason::timed_out) {
      return detail::take_message(self);
    }
  }
}

std::size_t pending_messages() {
  TaskControl& self = SchedulerCore::require_task("this_task::pending_messages()");
  return self.mail_count + (self.slot_holds_mail ? 1 : 0);
}

void set_daemon(bool daemon) {
  TaskControl& self = SchedulerCore::require_task("this_task::set_daemon()");
  self.core->set_daemon(self, daemon);
}

void set_name(std::string name) {
  TaskControl& self = SchedulerCore::require_task("this_task::set_name()");
  detail::rename_task(self, std::move(name));
}

}  // namespace picos::this_task
