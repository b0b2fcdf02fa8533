#pragma once
/// @file remote_channel.hpp
/// Channels across processes: a reference to a channel of any node (ChannelReference) and a
/// handle that uses such a reference through a local Node (RemoteChannel).
///
/// A channel becomes reachable from peers when it is registered (Channel::register_name()) and
/// located by name (Node::locate_channel()), or exported (Node::export_channel()). The process
/// that owns the channel runs everything: its transform, the fan-out to its subscribers and
/// deliver()'s wait. A subscriber in another process (a task or a channel) gets each message over
/// the network; messages from one sender reach each subscriber in the order sent, through the
/// remote hop too. A remote subscriber counts as one task reached once its message is queued for
/// its node (a subscribed channel of another process also counts as one). A remote subscriber
/// that has ended (task) or was closed (channel) is dropped when the next message for it arrives
/// at its node; one whose node goes offline is dropped at once. Messages passed on through more
/// than 16 channels of different processes are dropped with an error logged (a cycle across
/// processes cannot be refused when it is built, unlike a local one).
///
/// Calls marked [B] block: from a task they suspend only that task, from a plain thread they
/// block the thread; each returns within its timeout (plus scheduling delay; deliver() allows one
/// second more for the owner's answer). When the channel's
/// node is offline or goes offline meanwhile they fail at once or when the timeout ends (false or
/// 0). Messages to a channel of another node are serialized here: their type must be registered
/// (see serialization.hpp).

#include <picos/channel.hpp>
#include <picos/location.hpp>
#include <picos/message.hpp>
#include <picos/remote_task.hpp>
#include <picos/task.hpp>
#include <picos/timeout.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace picos {

class Node;

/// Names a channel exported by a node: the channel's name, an id unique in the node, a random
/// `rid` chosen when it was exported and the node's Location. The owning node refuses a
/// reference whose (id, rid) does not name a live, open channel it exported, so stale references
/// (the channel was closed) and forged ones (guessed ids) are rejected. A value type;
/// serializable (wire name "picos.channel_reference") so it can travel inside messages.
struct ChannelReference {
  std::string name;       ///< the channel's name
  std::uint64_t id = 0;   ///< the channel's id at its node
  std::uint64_t rid = 0;  ///< random guard chosen at export
  Location origin;        ///< the node that owns the channel

  /// True when it refers to something (id != 0).
  [[nodiscard]] bool valid() const noexcept { return id != 0; }
  /// `channel:name/id@host:port`.
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const ChannelReference& a, const ChannelReference& b) noexcept {
    return a.id == b.id && a.rid == b.rid && a.origin == b.origin;
  }
};

/// cereal serialization (free functions, see Location).
template <class Archive>
void save(Archive& archive, const ChannelReference& channel) {
  archive(channel.name, channel.id, channel.rid, channel.origin);
}
template <class Archive>
void load(Archive& archive, ChannelReference& channel) {
  archive(channel.name, channel.id, channel.rid, channel.origin);
}

/// Writes to_string().
std::ostream& operator<<(std::ostream& out, const ChannelReference& channel);

/// A channel of this or another node, used through `node`. A cheap, copyable handle (a pointer
/// to the Node and a ChannelReference). The Node must outlive every RemoteChannel bound to it.
/// All members are thread-safe; a default-constructed handle refers to nothing and every call
/// on it fails (false / 0).
class RemoteChannel {
 public:
  /// A handle to no channel.
  RemoteChannel() noexcept = default;
  /// Uses `reference` (e.g. one received in a message) through `node`. Never blocks; the
  /// reference is checked by its node at the first call.
  RemoteChannel(Node& node, ChannelReference reference) noexcept;

  /// True when the handle is bound to a node and a valid reference.
  [[nodiscard]] bool valid() const noexcept { return node_ != nullptr && reference_.valid(); }
  explicit operator bool() const noexcept { return valid(); }
  /// The reference (to send in a message, or to compare).
  [[nodiscard]] const ChannelReference& reference() const noexcept { return reference_; }
  /// The channel's name.
  [[nodiscard]] const std::string& name() const noexcept { return reference_.name; }

  /// [B] Subscribes the local task `task`: the owner then sends it every message (its node
  /// exports the task, see Node::export_task()). True once the owner has added it (also when it
  /// already was a subscriber); false when the channel is closed, the reference is stale or
  /// forged, the task has ended, the owner is offline, or no answer came within `timeout`.
  bool subscribe(const Task& task, Timeout timeout = std::chrono::seconds(10)) const;
  /// [B] Subscribes a task by reference, which may be on a third node (the owner connects to it).
  /// Results as above. A reference to a task of another node is checked by that node when the
  /// first message arrives: a stale or forged one is dropped then.
  bool subscribe(const RemoteTask& task, Timeout timeout = std::chrono::seconds(10)) const;
  /// [B] Subscribes the local channel `channel` (its node exports it): each message then goes
  /// through `channel` (its transform, its subscribers). Results as above; also false (logged)
  /// when both channels belong to this node and the subscription would make a cycle.
  bool subscribe(const Channel& channel, Timeout timeout = std::chrono::seconds(10)) const;

  /// [B] Undoes subscribe(); true when the owner removed the subscriber, false when it was not
  /// subscribed, the reference is stale or forged, the owner is offline, or on timeout.
  bool unsubscribe(const Task& task, Timeout timeout = std::chrono::seconds(10)) const;
  bool unsubscribe(const RemoteTask& task, Timeout timeout = std::chrono::seconds(10)) const;
  bool unsubscribe(const Channel& channel, Timeout timeout = std::chrono::seconds(10)) const;

  /// Sends `message` through the channel without waiting. For a channel of another node: true
  /// when it was queued for the owner (a stale or forged reference is dropped there and logged;
  /// use deliver() to learn of it), false when the owner is offline. For a channel of this node:
  /// true when it is open (the message went through it). Throws SerializationError (before
  /// sending anything) when the message's type is not registered, std::length_error when it
  /// exceeds NodeOptions::max_frame_size. [B] only for back-pressure, as Node::send() (waits
  /// while more than NodeOptions::max_outbox_bytes are queued for the owner).
  bool send(const Message& message) const;

  /// [B] The owner waits up to `timeout` until the channel has at least `n` direct subscribers
  /// (n == 0: no wait), then sends `message` through it, like Channel::deliver(). Returns the
  /// number of tasks reached, summed down the owner's hierarchy (remote subscribers count as
  /// described above); 0 when the wait timed out, the channel was closed, a transform dropped the
  /// message, the reference is stale or forged, or the owner is offline. For a channel of another
  /// node the caller waits up to one second longer than `timeout` for the owner's answer, so that
  /// a 0 from a wait that timed out at the owner is reported as such; without an answer by then it
  /// returns 0 too (the message may have been sent). The owner waits at most one hour. Throws
  /// like send().
  std::size_t deliver(const Message& message, Timeout timeout = std::chrono::seconds(10), std::size_t n = 0) const;

  /// Handles are equal when their references are.
  friend bool operator==(const RemoteChannel& a, const RemoteChannel& b) noexcept {
    return a.reference_ == b.reference_;
  }

 private:
  Node* node_ = nullptr;
  ChannelReference reference_;
};

/// Writes the reference (or `<no channel>`).
std::ostream& operator<<(std::ostream& out, const RemoteChannel& channel);

}  // namespace picos
