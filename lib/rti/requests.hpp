#pragma once
// The RTI requests a node serves, for peers (through the frames, see net_hooks.hpp) and for
// callers on the node itself. Each answers with a reply payload (request_id left 0) and never
// throws for a refusal.

#include "rti/rti_wire.hpp"

namespace picos::detail {
class NodeCore;
}

namespace picos::rti::detail {

[[nodiscard]] LocateReply locate_here(picos::detail::NodeCore& core, const std::string& name);
[[nodiscard]] CallReply call_here(picos::detail::NodeCore& core, const CallRequest& request);
[[nodiscard]] MonitorReply monitor_here(picos::detail::NodeCore& core, const ServiceReference& service,
                                        const RemoteTask& monitor);

}  // namespace picos::rti::detail
