// Selective receive: the oldest matching message, the rest stay queued in order.
#include "message/selective_receive.hpp"

#include "core/mailbox.hpp"
#include "core/scheduler_core.hpp"

namespace picos {
namespace detail {

// The mailbox keeps one invariant this relies on: a message handed over in `slot` is older than
// every message in the list (the core hands a message over only when the list is empty).
std::optional<Message> take_matching(TaskControl& self, const this_task::MessageMatcher& match) {
  if (has_handed_over_message(self) && match(self.slot)) {
    std::optional<Message> taken(take_handed_over_message(self));
    return taken;
  }
  expand_sources(self);
  MessageNode* previous = nullptr;
  for (MessageNode* node = self.mail_head; node != nullptr; previous = node, node = node->next) {
    if (!match(node->message)) continue;
    if (previous != nullptr) previous->next = node->next;
    else self.mail_head = node->next;
    if (self.mail_tail == node) self.mail_tail = previous;
    --self.mail_count;
    std::optional<Message> taken(std::move(node->message));
    delete node;
    return taken;
  }
  return std::nullopt;
}

std::optional<Message> receive_matching(const char* call, const this_task::MessageMatcher& match, Timeout timeout) {
  TaskControl& self = SchedulerCore::require_task(call);
  const std::int64_t deadline = deadline_after(timeout);
  const bool poll_only = !timeout.is_infinite() && timeout.duration().count() == 0;
  while (true) {
    if (self.interrupts != 0) self.core->raise_interrupts(self, WaitKind::receive);
    if (auto message = take_matching(self, match)) return message;
    if (poll_only || monotonic_expired(deadline)) return std::nullopt;
    if (self.core->park(WaitKind::receive, deadline) == WakeReason::timed_out) return take_matching(self, match);
  }
}

}  // namespace detail

namespace this_task {
std::optional<Message> receive_if(const MessageMatcher& match, Timeout timeout) {
  return detail::receive_matching("this_task::receive_if()", match, timeout);
}
}  // namespace this_task

}  // namespace picos
