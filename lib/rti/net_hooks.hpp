#pragma once
// What lib/net needs from lib/rti: the per-node service table (a NodeCore member) and the
// handlers for the RTI frame kinds (docs/protocol.md, kinds 22-27).

#include "net/frame.hpp"

#include <cstdint>
#include <memory>

namespace picos::detail {
class NodeCore;
}
namespace picos::net {
class FrameStream;
}

namespace picos::rti::detail {

class ServiceTable;

// An empty table, for a new node.
[[nodiscard]] std::shared_ptr<ServiceTable> make_service_table();

// Serves an RTI request from a peer (rti_locate, rti_call, rti_monitor) on its inbound
// connection and writes the reply. Returns true (the connection stays open). Throws on a
// malformed payload or an unexpected kind, which closes the connection.
bool serve_frame(picos::detail::NodeCore& core, net::FrameStream& stream, const net::Frame& frame);

// The request id of an RTI reply frame (rti_locate_reply, rti_call_reply, rti_monitor_reply).
// Throws SerializationError on a malformed payload, net::ProtocolError for another kind.
[[nodiscard]] std::uint64_t reply_request_id(const net::Frame& frame);

}  // namespace picos::rti::detail
