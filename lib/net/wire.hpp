#pragma once
// Payloads of the frames after the handshake (docs/protocol.md lists them with their kinds).

#include <picos/location.hpp>
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

}  // namespace picos::net
