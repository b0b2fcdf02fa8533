#include "core/mailbox.hpp"

#include "core/scheduler_core.hpp"

namespace picos::detail {

bool deliver_to_mailbox(TaskControl* task, Message&& message) {
  if (task->state == TaskState::ended) return false;
  // Handing the message over directly saves a queue node. Only when the list is empty: a selective
  // receive (lib/message) may park with unmatched messages queued, and it relies on a handed-over
  // message being older than every queued one.
  if (task->state == TaskState::parked && task->wait_kind == WaitKind::receive && !task->slot_holds_mail &&
      task->mail_head == nullptr) {
    task->slot = std::move(message);
    task->slot_holds_mail = true;  // the flag, not slot.empty(): an empty Message is a message too
    task->core->wake(task, WakeReason::signalled);
    return true;
  }
  auto* node = new MessageNode{nullptr, std::move(message)};
  if (task->mail_tail != nullptr) task->mail_tail->next = node;
  else task->mail_head = node;
  task->mail_tail = node;
  ++task->mail_count;
  if (task->state == TaskState::parked && task->wait_kind == WaitKind::receive) {
    task->core->wake(task, WakeReason::signalled);
  }
  return true;
}

Message take_handed_over_message(TaskControl& self) noexcept {
  self.slot_holds_mail = false;
  Message taken(std::move(self.slot));
  self.slot.reset();
  return taken;
}

std::optional<Message> take_message(TaskControl& self) {
  if (self.slot_holds_mail) return take_handed_over_message(self);
  MessageNode* node = self.mail_head;
  if (node == nullptr) return std::nullopt;
  self.mail_head = node->next;
  if (self.mail_head == nullptr) self.mail_tail = nullptr;
  --self.mail_count;
  std::optional<Message> taken(std::move(node->message));
  delete node;
  return taken;
}

}  // namespace picos::detail
