#pragma once
/// @file receive.hpp
/// Selective and typed receive: take the oldest message that matches, leaving the others queued
/// in their order. Must be called from inside a task (WrongContext otherwise). [B] calls may
/// throw what Task::raise() injected, TaskTerminateUnwind, or HotSwap (see hotswap.hpp).

#include <picos/message.hpp>
#include <picos/timeout.hpp>

#include <functional>
#include <optional>
#include <utility>

namespace picos::this_task {

/// Decides whether a queued message is wanted. It is called on the task's own thread with each
/// queued message, oldest first, and must not block; an exception it throws propagates out of
/// the receive call and leaves the mailbox unchanged.
using MessageMatcher = std::function<bool(const Message&)>;

/// [B] Takes the oldest message for which `match` returns true, waiting up to `timeout` (zero:
/// only look) for one to arrive; std::nullopt on timeout. Messages that do not match stay queued
/// in order for later receive() calls. Each call scans the queue: O(queued messages).
std::optional<Message> receive_if(const MessageMatcher& match, Timeout timeout = {});

/// [B] Takes the oldest queued message holding a T (after Message's decay: a string literal is a
/// std::string), waiting up to `timeout`; std::nullopt on timeout. Messages of other types stay
/// queued in order.
template <class T>
[[nodiscard]] std::optional<T> receive_as(Timeout timeout) {
  std::optional<Message> message = receive_if([](const Message& m) { return m.is<T>(); }, timeout);
  if (!message) return std::nullopt;
  return std::optional<T>(std::move(*message).template get<T>());
}

/// [B] Same without a time limit: waits until a T arrives and returns it.
template <class T>
[[nodiscard]] T receive_as() {
  return std::move(*receive_as<T>(Timeout{}));
}

}  // namespace picos::this_task
