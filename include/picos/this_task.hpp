#pragma once
/// @file this_task.hpp
/// Calls made by a task on itself. Each must be called from inside a task; from a plain thread
/// they throw WrongContext. Calls marked [B] suspend the calling task (other tasks run meanwhile)
/// and may throw what Task::raise() injected, or TaskTerminateUnwind when the task is terminated.

#include <picos/message.hpp>
#include <picos/task.hpp>
#include <picos/timeout.hpp>

#include <chrono>
#include <optional>

namespace picos::this_task {

/// The calling task; an empty handle on a plain thread. Never throws.
[[nodiscard]] Task current() noexcept;

/// True when called from inside a task.
[[nodiscard]] bool in_task() noexcept;

/// [B] Parks the task until Task::resume() (returns the value given to it) or until `timeout`
/// expires (returns `alarm`). A timeout of zero or less returns `alarm` without parking (but still
/// lets pending raise()/terminate() take effect). Messages do not wake a suspended task.
Message suspend(Timeout timeout = {}, Message alarm = {});

/// [B] suspend(duration): sleeps for `duration` unless resumed earlier. Returns the resume value,
/// or an empty message when the time elapsed.
Message sleep(Timeout duration);

/// [B] Lets every other ready task run once, then continues.
void yield();

/// [B] Takes the oldest message from the mailbox, waiting for one without limit.
Message receive();

/// [B] Takes the oldest message, waiting up to `timeout`; std::nullopt when none arrived. A zero
/// timeout only polls. resume() never wakes a receiving task.
std::optional<Message> receive(Timeout timeout);

/// Number of messages waiting in the mailbox. Never blocks. Messages from a peer are decoded as
/// the task takes them, so one that turns out undecodable (logged and dropped) may be counted here
/// and yet never be received.
[[nodiscard]] std::size_t pending_messages();

/// Marks the calling task as daemon (it no longer keeps Scheduler::join()/run() waiting) or not.
void set_daemon(bool daemon = true);

/// Renames the calling task.
void set_name(std::string name);

}  // namespace picos::this_task
