#pragma once
// A task's mailbox: FIFO of messages, with a direct hand-over to a task waiting in receive().

#include "core/task_control.hpp"

#include <picos/task.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace picos::detail {

// Delivers `message` to `task` (loop thread): hands it over if the task waits in receive(),
// else queues it. False when the task has ended.
bool deliver_to_mailbox(TaskControl* task, Message&& message);

// Task::send() of every message of `messages`, in order, from any thread: one cross-thread request
// for all of them. False when the task has ended or its scheduler has stopped.
bool send_all(const Task& task, std::vector<Message>&& messages);
// send_all() for a caller with something more urgent to do first: the messages are queued at
// once, in order, but waking the task's scheduler is left to the caller: when `wake_owed` comes
// back true, call wake_scheduler_of(task) soon.
bool send_all(const Task& task, std::vector<Message>&& messages, bool& wake_owed);
// Delivers the messages `source` makes to `task` (loop thread), after the ones queued: they are
// made as the task takes them, so a backlog stays in the source's compact form. False when the
// task has ended.
bool deliver_source_to_mailbox(TaskControl* task, std::unique_ptr<MessageSource> source);
// deliver_source_to_mailbox() from any thread, with the wake-up left to the caller as in
// send_all(). False when the task has ended or its scheduler has stopped.
bool send_from(const Task& task, std::unique_ptr<MessageSource> source, bool& wake_owed);
// Replaces every source in `self`'s mailbox by the messages it makes, in order, for a selective
// receive that has to look at each (loop thread). Throws std::bad_alloc.
void expand_sources(TaskControl& self);
// Wakes the loop of the scheduler `task` belongs to (ended or not), from any thread.
void wake_scheduler_of(const Task& task) noexcept;

// True when a message was handed over directly (it is older than every queued one).
[[nodiscard]] inline bool has_handed_over_message(const TaskControl& self) noexcept { return self.slot_holds_mail; }
// Takes the handed-over message; only when has_handed_over_message().
[[nodiscard]] Message take_handed_over_message(TaskControl& self) noexcept;

// Takes the next message of the current task if one is there (loop thread).
std::optional<Message> take_message(TaskControl& self);

}  // namespace picos::detail
