// The caller's side: locating a service, calling it, monitoring its invocations.
#include <picos/rti.hpp>

#include "net/node_core.hpp"
#include "net/wire.hpp"
#include "rti/invocation_state.hpp"
#include "rti/requests.hpp"

#include <picos/log.hpp>

#include <algorithm>
#include <stdexcept>
#include <system_error>

namespace picos::rti {
namespace {

// Outcome values from a peer are untrusted: anything unknown counts as `unavailable`.
CallFailure failure_of(std::uint8_t outcome) {
  if (outcome >= static_cast<std::uint8_t>(CallFailure::no_service) &&
      outcome <= static_cast<std::uint8_t>(CallFailure::unreachable)) {
    return static_cast<CallFailure>(outcome);
  }
  return CallFailure::unavailable;
}

// What the placeholder for "the service's node" looks like in the link-loss bookkeeping and in
// the `unreachable` statuses it produces.
RemoteTask node_watch(const ServiceReference& service) { return RemoteTask{service.name, 0, 0, service.origin}; }

// [B] Sends one request built by `make` to the service's node and returns its reply frame.
// Throws std::system_error(timed_out) without an answer, CallError(unreachable) when the node
// is not a peer or went offline meanwhile.
net::Frame ask(picos::detail::NodeCore& core, const ServiceReference& service, Timeout timeout,
               const std::function<Bytes(std::uint64_t)>& make) {
  const std::optional<Timeout> left = core.time_left_once_online(service.origin, timeout);
  if (!left) {
    throw CallError(CallFailure::unreachable, "picos: the node " + service.origin.to_string() + " of service " +
                                                  service.name + " is not a peer");
  }
  const auto replies = core.request({service.origin}, *left, make, [](const net::Frame&) { return true; });
  if (replies.empty()) {
    throw std::system_error(std::make_error_code(std::errc::timed_out),
                            "picos: no answer from the node of service " + service.to_string());
  }
  if (replies.front().kind == net::FrameKind::bye) {
    throw CallError(CallFailure::unreachable, "picos: the node of service " + service.to_string() +
                                                  " went offline during the request");
  }
  return replies.front();
}

template <class Payload>
Payload decode_reply(const net::Frame& frame, net::FrameKind expected) {
  if (frame.kind != expected) {
    throw CallError(CallFailure::unavailable,
                    std::string("picos: a ") + net::to_string(frame.kind) + " frame answered an RTI request");
  }
  return net::decode_payload<Payload>(frame.payload);
}

}  // namespace

RemoteService::RemoteService(Node& node, ServiceReference reference, std::string signature, std::string result_type)
    : node_(&node),
      reference_(std::move(reference)),
      signature_(std::move(signature)),
      result_type_(std::move(result_type)) {}

std::optional<RemoteService> locate(Node& node, const std::string& name, std::optional<Location> where,
                                    Timeout timeout) {
  if (name.empty() || name.size() > max_service_name) {
    throw std::invalid_argument("picos: a service name must have 1 to " + std::to_string(max_service_name) + " bytes");
  }
  picos::detail::NodeCore& core = node.core();
  auto found = [&node](detail::LocateReply& reply) {
    return RemoteService(node, std::move(reply.service), std::move(reply.signature), std::move(reply.result_type));
  };
  if (detail::LocateReply local = detail::locate_here(core, name); local.found) return found(local);
  std::optional<Location> linked;
  if (where) {
    linked = *where == core.self.location ? std::nullopt : core.online_location(*where);
    if (!linked) return std::nullopt;
  }
  const std::optional<net::Frame> reply = core.ask_peers(
      linked, timeout,
      [&](std::uint64_t id) {
        return net::encode_frame(net::FrameKind::rti_locate, net::encode_payload(detail::LocateRequest{id, name}));
      },
      [](const net::Frame& frame) {
        return frame.kind == net::FrameKind::rti_locate_reply &&
               net::decode_payload<detail::LocateReply>(frame.payload).found;
      });
  if (reply) {
    auto answer = net::decode_payload<detail::LocateReply>(reply->payload);
    return found(answer);
  }
  return std::nullopt;
}

Invocation RemoteService::call_encoded(std::string signature, Bytes arguments, Timeout timeout) const {
  picos::detail::NodeCore& core = node_->core();
  const bool local = reference_.origin == core.self.location;
  detail::CallRequest request{0, reference_, std::move(signature), std::move(arguments), RemoteTask{}};
  // A call too large for a frame fails in encode_frame (std::length_error) before it is sent.
  const RemoteTask watched = node_watch(reference_);
  auto state = std::make_shared<Invocation::State>(detail::start_result_waiter(core, watched, !local));
  request.result_monitor = core.exports.add(state->waiter);
  if (!local) core.remember_remote_monitor(watched, state->waiter);
  detail::CallReply reply;
  try {
    if (local) {
      reply = detail::call_here(core, request);
    } else {
      const net::Frame answer = ask(core, reference_, timeout, [&](std::uint64_t id) {
        request.request_id = id;
        return net::encode_frame(net::FrameKind::rti_call, net::encode_payload(request), core.options.max_frame_size);
      });
      reply = decode_reply<detail::CallReply>(answer, net::FrameKind::rti_call_reply);
    }
    if (reply.outcome != detail::outcome_ok) throw CallError(failure_of(reply.outcome), reply.error);
  } catch (...) {
    if (!local) core.forget_remote_monitor(watched, state->waiter);
    throw;
  }
  state->task = std::move(reply.task);
  return Invocation(std::move(state));
}

bool RemoteService::monitor(const Task& task, Timeout timeout) const {
  if (!task.valid()) throw std::invalid_argument("picos: RemoteService::monitor() needs a task");
  picos::detail::NodeCore& core = node_->core();
  const RemoteTask monitor = core.exports.add(task);
  if (reference_.origin == core.self.location) {
    return detail::monitor_here(core, reference_, monitor).outcome == detail::outcome_ok;
  }
  detail::MonitorReply reply;
  try {
    const net::Frame answer = ask(core, reference_, timeout, [&](std::uint64_t id) {
      return net::encode_frame(net::FrameKind::rti_monitor,
                               net::encode_payload(detail::MonitorRequest{id, reference_, monitor}));
    });
    reply = decode_reply<detail::MonitorReply>(answer, net::FrameKind::rti_monitor_reply);
  } catch (const std::system_error& error) {
    log(LogLevel::info, "picos: monitoring service ", reference_.to_string(), " failed: ", error.what());
    return false;
  } catch (const CallError& error) {
    log(LogLevel::info, "picos: monitoring service ", reference_.to_string(), " failed: ", error.what());
    return false;
  }
  if (reply.outcome != detail::outcome_ok) {
    log(LogLevel::info, "picos: monitoring service ", reference_.to_string(), " refused: ", reply.error);
    return false;
  }
  // Once per (service, task), however often it is asked.
  core.forget_remote_monitor(node_watch(reference_), task);
  core.remember_remote_monitor(node_watch(reference_), task);
  return true;
}

}  // namespace picos::rti
