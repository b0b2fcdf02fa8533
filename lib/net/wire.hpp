#pragma once
// Payloads of the frames after the handshake (docs/protocol.md lists them with their kinds).

#include "net/discovery_ping.hpp"

#include <picos/location.hpp>
#include <picos/remote_channel.hpp>
#include <picos/remote_task.hpp>
#include <picos/serialization.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace picos::net {

struct PingPayload {
  std::uint64_t sequence = 0;
  template <class A>
  void serialize(A& a) { a(sequence); }
};

// kind send: `message` is picos::serialize() output. request_id 0: no acknowledgement wanted.
struct SendPayload {
  std::uint64_t request_id = 0;
  RemoteTask target;
  Bytes message;
  template <class A>
  void serialize(A& a) { a(request_id, target, message); }
};

// Results carried by ack / monitor_reply: 1 done, -1 invalid target (pycos's values).
struct ResultPayload {
  std::uint64_t request_id = 0;
  std::int32_t result = 0;
  template <class A>
  void serialize(A& a) { a(request_id, result); }
};

// relay_discovery: the asking node's own discovery ping (answered by an ack: 1 relayed, 0 not).
struct RelayPayload {
  std::uint64_t request_id = 0;
  DiscoveryPing ping;
  template <class A>
  void serialize(A& a) { a(request_id, ping); }
};

struct LocatePayload {
  std::uint64_t request_id = 0;
  std::string name;
  template <class A>
  void serialize(A& a) { a(request_id, name); }
};

// `task` is meaningful when `found` (std::optional<RemoteTask> would trip over cereal's NVP
// wrapper converting to picos::Message).
struct LocateReplyPayload {
  std::uint64_t request_id = 0;
  bool found = false;
  RemoteTask task;
  template <class A>
  void serialize(A& a) { a(request_id, found, task); }
};

// kind monitor: make `monitor` (a task of the sender) a monitor of `target` (a task here).
struct MonitorPayload {
  std::uint64_t request_id = 0;
  RemoteTask target;
  RemoteTask monitor;
  template <class A>
  void serialize(A& a) { a(request_id, target, monitor); }
};

// kind monitor_status: `status` is picos::serialize() of the MonitorStatus of `target`.
struct MonitorStatusPayload {
  RemoteTask target;
  RemoteTask monitor;
  Bytes status;
  template <class A>
  void serialize(A& a) { a(target, monitor, status); }
};

// --- remote channels (channel_service.cpp). Replies to these requests travel on the answering
// node's own link to `reply_to`, as channel_reply frames.

// kind channel_locate: which channel is registered under `name`?
struct ChannelLocatePayload {
  std::uint64_t request_id = 0;
  Location reply_to;
  std::string name;
  template <class A>
  void serialize(A& a) { a(request_id, reply_to, name); }
};

// A subscriber of a channel: a task (RemoteTask) or a channel (ChannelReference).
struct ChannelSubscriberRef {
  enum Kind : std::uint8_t { task = 1, channel = 2 };
  std::uint8_t kind = task;
  std::string name;
  std::uint64_t id = 0;
  std::uint64_t rid = 0;
  Location origin;

  static ChannelSubscriberRef of(const RemoteTask& t) { return {task, t.name, t.id, t.rid, t.origin}; }
  static ChannelSubscriberRef of(const ChannelReference& c) { return {channel, c.name, c.id, c.rid, c.origin}; }
  [[nodiscard]] RemoteTask as_task() const { return {name, id, rid, origin}; }
  [[nodiscard]] ChannelReference as_channel() const { return {name, id, rid, origin}; }
  friend bool operator==(const ChannelSubscriberRef& a, const ChannelSubscriberRef& b) noexcept {
    return a.kind == b.kind && a.id == b.id && a.rid == b.rid && a.origin == b.origin;
  }
  template <class A>
  void serialize(A& a) { a(kind, name, id, rid, origin); }
};

// kind channel_subscribe: add (subscribe) or remove `subscriber` at `channel`. request_id 0: no
// reply wanted (a node dropping a subscriber it cannot serve any more).
struct ChannelSubscribePayload {
  std::uint64_t request_id = 0;
  Location reply_to;
  ChannelReference channel;
  bool subscribe = true;
  ChannelSubscriberRef subscriber;
  template <class A>
  void serialize(A& a) { a(request_id, reply_to, channel, subscribe, subscriber); }
};

// kind channel_send: send `message` (picos::serialize() output) through `channel`. request_id 0:
// a plain send; otherwise a deliver that first waits up to `timeout_ms` (capped by the owner;
// max: no limit) for `wanted` subscribers, answered with the number of tasks reached.
struct ChannelSendPayload {
  std::uint64_t request_id = 0;
  Location reply_to;
  ChannelReference channel;
  std::uint64_t wanted = 0;
  std::uint64_t timeout_ms = 0;
  Bytes message;
  template <class A>
  void serialize(A& a) { a(request_id, reply_to, channel, wanted, timeout_ms, message); }
};

// kind channel_reply: `result` is 1 / 0 (found, subscribed, unsubscribed or not), a count of
// tasks reached (deliver), or -1 for a stale or forged channel reference; `channel` is the
// reference found by a locate.
struct ChannelReplyPayload {
  std::uint64_t request_id = 0;
  std::int64_t result = 0;
  ChannelReference channel;
  template <class A>
  void serialize(A& a) { a(request_id, result, channel); }
};

// kind channel_message: a message of `source` for one of its subscribers on the receiving node;
// `hops` counts the channels of other processes it went through.
struct ChannelMessagePayload {
  ChannelReference source;
  ChannelSubscriberRef subscriber;
  std::uint8_t hops = 0;
  Bytes message;
  template <class A>
  void serialize(A& a) { a(source, subscriber, hops, message); }
};

}  // namespace picos::net
