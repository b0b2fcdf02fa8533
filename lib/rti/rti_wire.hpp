#pragma once
// Payloads of the RTI frames (kinds 22-27, docs/protocol.md). Each is a cereal value decoded with
// net::decode_payload() (bounded, untrusted input).

#include <picos/remote_task.hpp>
#include <picos/rti.hpp>
#include <picos/serialization.hpp>

#include <cstdint>
#include <string>

namespace picos::rti::detail {

// Longest parameter signature a call may name; a longer one is refused as bad arguments.
inline constexpr std::size_t max_signature = 4096;

// Longest task name accepted in a monitor reference from a peer: its name travels back in every
// status frame, which must stay far below the frame limit.
inline constexpr std::size_t max_monitor_name = 4096;

// What a started call or an accepted monitor answers in `outcome` (else a CallFailure value).
inline constexpr std::uint8_t outcome_ok = 0;

// kind rti_locate: which service is registered under `name`?
struct LocateRequest {
  std::uint64_t request_id = 0;
  std::string name;
  template <class A>
  void serialize(A& a) { a(request_id, name); }
};

// kind rti_locate_reply: `service`, `signature` and `result_type` are meaningful when `found`.
struct LocateReply {
  std::uint64_t request_id = 0;
  bool found = false;
  ServiceReference service;
  std::string signature;
  std::string result_type;
  template <class A>
  void serialize(A& a) { a(request_id, found, service, signature, result_type); }
};

// kind rti_call: run `service` with `arguments` (encoded with `signature`); `result_monitor`, when
// valid, is a task of the caller's node made a monitor of the new task before it starts.
struct CallRequest {
  std::uint64_t request_id = 0;
  ServiceReference service;
  std::string signature;
  Bytes arguments;
  RemoteTask result_monitor;
  template <class A>
  void serialize(A& a) { a(request_id, service, signature, arguments, result_monitor); }
};

// kind rti_call_reply: outcome_ok and the started task, or a CallFailure and why.
struct CallReply {
  std::uint64_t request_id = 0;
  std::uint8_t outcome = outcome_ok;
  RemoteTask task;
  std::string error;
  template <class A>
  void serialize(A& a) { a(request_id, outcome, task, error); }
};

// kind rti_monitor: make `monitor` (a task of the caller's node) a monitor of every invocation.
struct MonitorRequest {
  std::uint64_t request_id = 0;
  ServiceReference service;
  RemoteTask monitor;
  template <class A>
  void serialize(A& a) { a(request_id, service, monitor); }
};

// kind rti_monitor_reply: outcome_ok, or a CallFailure and why.
struct MonitorReply {
  std::uint64_t request_id = 0;
  std::uint8_t outcome = outcome_ok;
  std::string error;
  template <class A>
  void serialize(A& a) { a(request_id, outcome, error); }
};

}  // namespace picos::rti::detail
