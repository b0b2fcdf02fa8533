#pragma once
// The `send` frame encoded straight into an output buffer: the hot path of Node::send and
// Node::deliver, which would otherwise build the payload through two serialization streams and
// three intermediate buffers.

#include "net/frame.hpp"

#include <picos/remote_task.hpp>

#include <cstdint>
#include <span>

namespace picos::net {

// Appends one `send` frame carrying SendPayload{request_id, target, message} (wire.hpp) to `out`:
// the bytes encode_frame(FrameKind::send, encode_payload(SendPayload{...})) makes on a
// little-endian host, and a valid little-endian portable archive anywhere. Throws
// std::length_error, appending nothing, when the payload exceeds `max_payload`.
void append_send_frame(Bytes& out, std::uint64_t request_id, const RemoteTask& target,
                       std::span<const std::byte> message, std::size_t max_payload);

}  // namespace picos::net
