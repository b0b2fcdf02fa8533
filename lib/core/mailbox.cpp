#include "core/mailbox.hpp"

#include "core/scheduler_core.hpp"

namespace picos::detail {

namespace {
bool waits_for_mail(const TaskControl* task) {
  return task->state == TaskState::parked && task->wait_kind == WaitKind::receive;
}

// Handing a message over directly saves a queue node. Only when the list is empty: a selective
// receive (lib/message) may park with unmatched messages queued, and it relies on a handed-over
// message being older than every queued one.
bool can_hand_over(const TaskControl* task) {
  return waits_for_mail(task) && !task->slot_holds_mail && task->mail_head == nullptr;
}

void hand_over(TaskControl* task, Message&& message) {
  task->slot = std::move(message);
  task->slot_holds_mail = true;  // the flag, not slot.empty(): an empty Message is a message too
  task->core->wake(task, WakeReason::signalled);
}

void append_node(TaskControl* task, MessageNode* node, std::size_t messages) {
  if (task->mail_tail != nullptr) task->mail_tail->next = node;
  else task->mail_head = node;
  task->mail_tail = node;
  task->mail_count += messages;
}

void unlink_head(TaskControl& self) {
  MessageNode* node = self.mail_head;
  self.mail_head = node->next;
  if (self.mail_head == nullptr) self.mail_tail = nullptr;
  delete node;
}

// Replaces the source node `node` (behind `previous`) by nodes of the messages it makes; returns
// the last of them, or `previous` when it made none.
MessageNode* expand_source(TaskControl& self, MessageNode* previous, MessageNode* node) {
  std::unique_ptr<MessageSource> source = std::move(node->source);
  MessageNode* const after = node->next;
  self.mail_count -= source->remaining();
  // The source node becomes the first message's node; later ones are linked in behind it.
  MessageNode* last = previous;
  MessageNode* reuse = node;
  while (std::optional<Message> message = source->next()) {
    MessageNode* made = reuse != nullptr ? std::exchange(reuse, nullptr) : new MessageNode{};
    made->message = std::move(*message);
    made->next = after;
    if (last != nullptr) last->next = made;
    else self.mail_head = made;
    last = made;
    ++self.mail_count;
  }
  if (reuse != nullptr) {  // it made none: the node goes
    if (previous != nullptr) previous->next = after;
    else self.mail_head = after;
    delete reuse;
  }
  if (after == nullptr) self.mail_tail = last;
  return last;
}
}  // namespace

bool deliver_to_mailbox(TaskControl* task, Message&& message) {
  if (task->state == TaskState::ended) return false;
  if (can_hand_over(task)) {
    hand_over(task, std::move(message));
    return true;
  }
  append_node(task, new MessageNode{nullptr, std::move(message), nullptr}, 1);
  if (waits_for_mail(task)) task->core->wake(task, WakeReason::signalled);
  return true;
}

bool deliver_source_to_mailbox(TaskControl* task, std::unique_ptr<MessageSource> source) {
  if (task->state == TaskState::ended) return false;
  // As in deliver_to_mailbox(): the first message is handed over, the rest are queued.
  if (can_hand_over(task)) {
    if (std::optional<Message> first = source->next()) hand_over(task, std::move(*first));
  }
  const std::size_t left = source->remaining();
  if (left == 0) return true;
  append_node(task, new MessageNode{nullptr, Message{}, std::move(source)}, left);
  if (waits_for_mail(task)) task->core->wake(task, WakeReason::signalled);
  return true;
}

void expand_sources(TaskControl& self) {
  MessageNode* previous = nullptr;
  for (MessageNode* node = self.mail_head; node != nullptr;) {
    previous = node->source ? expand_source(self, previous, node) : node;
    node = previous != nullptr ? previous->next : self.mail_head;
  }
}

Message take_handed_over_message(TaskControl& self) noexcept {
  self.slot_holds_mail = false;
  Message taken(std::move(self.slot));
  self.slot.reset();
  return taken;
}

std::optional<Message> take_message(TaskControl& self) {
  if (self.slot_holds_mail) return take_handed_over_message(self);
  while (MessageNode* node = self.mail_head) {
    if (!node->source) {
      --self.mail_count;
      std::optional<Message> taken(std::move(node->message));
      unlink_head(self);
      return taken;
    }
    MessageSource& source = *node->source;
    const std::size_t before = source.remaining();
    std::optional<Message> taken = source.next();
    const std::size_t after = source.remaining();
    self.mail_count -= before - after;
    if (after == 0) unlink_head(self);
    if (taken) return taken;
  }
  return std::nullopt;
}

}  // namespace picos::detail
