// Serving RTI requests: locate, call, monitor, and the frames that carry them between nodes.
#include "rti/requests.hpp"

#include "net/node_core.hpp"
#include "net/wire.hpp"
#include "rti/net_hooks.hpp"
#include "rti/service_table.hpp"

#include <picos/log.hpp>

namespace picos::rti::detail {
namespace {

std::shared_ptr<ServiceState> resolve(picos::detail::NodeCore& core, const ServiceReference& service) {
  if (service.origin != core.self.location) return nullptr;
  return core.rti_services->resolve(service);
}

// A reference named by a peer, cut to a length fit for a reply or a log line.
ServiceReference shown(ServiceReference service) {
  if (service.name.size() > max_service_name) service.name.resize(max_service_name);
  return service;
}

std::string unknown(const ServiceReference& service) {
  return "picos: no open service " + shown(service).to_string() + " (closed, registered again, or never existed)";
}

template <class Payload>
void reply(net::FrameStream& stream, net::FrameKind kind, const Payload& payload, Timeout timeout) {
  stream.write(net::encode_frame(kind, net::encode_payload(payload), stream.max_payload()), timeout);
}

}  // namespace

LocateReply locate_here(picos::detail::NodeCore& core, const std::string& name) {
  LocateReply found;
  if (const auto service = core.rti_services->find(name)) {
    found.found = true;
    found.service = service->reference;
    found.signature = service->signature;
    found.result_type = service->result_type;
  }
  return found;
}

CallReply call_here(picos::detail::NodeCore& core, const CallRequest& request) {
  const auto service = resolve(core, request.service);
  if (!service) {
    CallReply reply;
    reply.outcome = static_cast<std::uint8_t>(CallFailure::no_service);
    reply.error = unknown(request.service);
    return reply;
  }
  if (request.result_monitor.name.size() > max_monitor_name) {
    CallReply reply;
    reply.outcome = static_cast<std::uint8_t>(CallFailure::bad_arguments);
    reply.error = "picos: a call of " + service->reference.name + " names a result monitor with a name of " +
                  std::to_string(request.result_monitor.name.size()) + " bytes";
    return reply;
  }
  if (request.signature.size() > max_signature) {
    CallReply reply;
    reply.outcome = static_cast<std::uint8_t>(CallFailure::bad_arguments);
    reply.error = "picos: a call of " + service->reference.name + " names a signature of " +
                  std::to_string(request.signature.size()) + " bytes";
    return reply;
  }
  return service->start(core, request.signature, request.arguments, request.result_monitor);
}

MonitorReply monitor_here(picos::detail::NodeCore& core, const ServiceReference& service, const RemoteTask& monitor) {
  const auto found = resolve(core, service);
  if (!found) {
    MonitorReply reply;
    reply.outcome = static_cast<std::uint8_t>(CallFailure::no_service);
    reply.error = unknown(service);
    return reply;
  }
  if (monitor.name.size() > max_monitor_name) {
    MonitorReply reply;
    reply.outcome = static_cast<std::uint8_t>(CallFailure::bad_arguments);
    reply.error = "picos: a monitor of " + found->reference.name + " with a name of " +
                  std::to_string(monitor.name.size()) + " bytes";
    return reply;
  }
  return found->add_monitor(monitor);
}

bool serve_frame(picos::detail::NodeCore& core, net::FrameStream& stream, const net::Frame& frame) {
  const Timeout write_timeout = core.options.heartbeat_timeout;
  switch (frame.kind) {
    case net::FrameKind::rti_locate: {
      const auto request = net::decode_payload<LocateRequest>(frame.payload);
      LocateReply answer = request.name.size() <= max_service_name ? locate_here(core, request.name) : LocateReply{};
      answer.request_id = request.request_id;
      reply(stream, net::FrameKind::rti_locate_reply, answer, write_timeout);
      return true;
    }
    case net::FrameKind::rti_call: {
      const auto request = net::decode_payload<CallRequest>(frame.payload);
      CallReply answer = call_here(core, request);
      answer.request_id = request.request_id;
      if (answer.outcome != outcome_ok) {
        log(LogLevel::info, "picos: refused a call of ", shown(request.service).to_string(), ": ", answer.error);
      }
      reply(stream, net::FrameKind::rti_call_reply, answer, write_timeout);
      return true;
    }
    case net::FrameKind::rti_monitor: {
      const auto request = net::decode_payload<MonitorRequest>(frame.payload);
      MonitorReply answer = monitor_here(core, request.service, request.monitor);
      answer.request_id = request.request_id;
      reply(stream, net::FrameKind::rti_monitor_reply, answer, write_timeout);
      return true;
    }
    default:
      throw net::ProtocolError(std::string("unexpected ") + net::to_string(frame.kind) + " frame for the RTI");
  }
}

std::uint64_t reply_request_id(const net::Frame& frame) {
  switch (frame.kind) {
    case net::FrameKind::rti_locate_reply: return net::decode_payload<LocateReply>(frame.payload).request_id;
    case net::FrameKind::rti_call_reply: return net::decode_payload<CallReply>(frame.payload).request_id;
    case net::FrameKind::rti_monitor_reply: return net::decode_payload<MonitorReply>(frame.payload).request_id;
    default:
      throw net::ProtocolError(std::string("unexpected ") + net::to_string(frame.kind) + " frame as an RTI reply");
  }
}

}  // namespace picos::rti::detail
