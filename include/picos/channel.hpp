#pragma once
/// @file channel.hpp
/// picos::Channel: broadcast / publish-subscribe between tasks (pycos's Channel).
///
/// A channel has a process-unique name and a list of subscribers: tasks and other channels (so
/// channels form hierarchies; cycles are refused). send() passes a message through the channel's
/// optional transform, then gives every subscriber its own copy: a task gets it in its mailbox, a
/// subscribed channel sends it on (through its own transform) to its subscribers. Messages from one
/// sender reach each task in the order sent, also through a hierarchy. A subscribed task that has
/// ended, or a subscribed channel that was closed, is dropped at the next send.
///
/// Channel is a cheap, copyable handle (a reference count) to a channel of this process. All
/// members are thread-safe. Other processes reach a channel through the net module: see
/// remote_channel.hpp (Node::locate_channel(), RemoteChannel); this handle never blocks on them,
/// and the `timeout` parameters of subscribe()/unsubscribe() are unused.

#include <picos/message.hpp>
#include <picos/task.hpp>
#include <picos/timeout.hpp>

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

namespace picos {

/// Rewrites (or drops, by returning std::nullopt) each message sent to a channel; receives the
/// channel's name and the message. An exception derived from std::exception drops only that
/// message (logged as a warning). Runs in the sender's context (task or thread) and must not block.
using ChannelTransform = std::function<std::optional<Message>(const std::string& channel, Message message)>;

namespace detail {
struct ChannelState;
}

class Channel {
 public:
  /// A handle to no channel; every operation on it fails (false / 0).
  Channel() noexcept = default;

  /// Creates an open channel named `name` with an optional transform. Never blocks. Throws
  /// std::invalid_argument when `name` is empty or another open channel of this process has it.
  explicit Channel(std::string name, ChannelTransform transform = {});

  /// True when the handle refers to a channel.
  [[nodiscard]] bool valid() const noexcept { return state_ != nullptr; }
  explicit operator bool() const noexcept { return valid(); }

  /// The channel's name ("" for an empty handle).
  [[nodiscard]] const std::string& name() const noexcept;
  /// False once closed (and for an empty handle).
  [[nodiscard]] bool is_open() const noexcept;

  /// Adds `task` as a subscriber (again is a no-op). Wakes deliver() calls waiting for
  /// subscribers. Returns false when the channel is closed or the task has ended. Never blocks.
  bool subscribe(const Task& task, Timeout timeout = {}) const;
  /// Adds another channel as a subscriber, building a hierarchy. Returns false when either is
  /// closed. Throws std::invalid_argument when `channel` is this channel or (transitively)
  /// already receives from it, which would make a cycle.
  bool subscribe(const Channel& channel, Timeout timeout = {}) const;

  /// Removes a subscriber; false when it was not subscribed. Never blocks.
  bool unsubscribe(const Task& task, Timeout timeout = {}) const;
  bool unsubscribe(const Channel& channel, Timeout timeout = {}) const;

  /// Number of direct subscribers (tasks and channels). Never blocks.
  [[nodiscard]] std::size_t subscriber_count() const;

  /// Transforms `message` and gives each subscriber a copy (the last one gets it moved). Never
  /// blocks. Returns the number of tasks reached, summed down the hierarchy (0 when closed, or
  /// when a transform dropped it). Throws BadMessageAccess when the message must be copied for
  /// several subscribers but its type is not copyable.
  std::size_t send(Message message) const;

  /// [B] Like send(), but first waits (up to `timeout`) until at least `n` direct subscribers
  /// exist when n > 0. Returns the number of tasks reached, summed down the hierarchy; 0 when the
  /// wait timed out or the channel was closed meanwhile. Waiting requires a task (WrongContext
  /// from a plain thread); with n == 0 it never waits and works anywhere.
  std::size_t deliver(Message message, Timeout timeout = {}, std::size_t n = 0) const;

  /// Replaces the transform (an empty function removes it). Never blocks.
  void set_transform(ChannelTransform transform) const;

  /// Closes the channel: drops every subscriber, wakes waiting deliver() calls (they return 0),
  /// unregisters it and frees its name. Later calls fail (false / 0). Never blocks.
  void close() const;

  /// Makes the channel findable with Channel::locate() and, through a Node, by other processes
  /// (Node::locate_channel()). Returns false when closed. Never blocks.
  bool register_name() const;
  /// Undoes register_name(); false when it was not registered.
  bool unregister_name() const;

  /// Finds a registered, open channel of this process by name; std::nullopt when there is none.
  /// Never blocks (`timeout` is unused); channels of other processes are found with
  /// Node::locate_channel().
  [[nodiscard]] static std::optional<Channel> locate(const std::string& name, Timeout timeout = {});

  /// Handles are equal when they refer to the same channel.
  friend bool operator==(const Channel& a, const Channel& b) noexcept { return a.state_ == b.state_; }

  /// For the library's own modules.
  [[nodiscard]] const std::shared_ptr<detail::ChannelState>& state() const noexcept { return state_; }
  explicit Channel(std::shared_ptr<detail::ChannelState> state) noexcept : state_(std::move(state)) {}

 private:
  std::shared_ptr<detail::ChannelState> state_;
};

/// Writes `channel:<name>` (or `<no channel>`).
std::ostream& operator<<(std::ostream& out, const Channel& channel);

}  // namespace picos
