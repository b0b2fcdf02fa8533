#pragma once
// The `send` frame encoded straight into an output buffer and its payload decoded in place: the
// hot path of Node::send, Node::deliver and the peer serving them, which would otherwise go
// through serialization streams and intermediate buffers for every message.

#include "net/frame.hpp"

#include <picos/message.hpp>
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

// append_send_frame() of serialize(message), encoding the message straight into `out`. Throws
// SerializationError (the type is not registered) or std::length_error, appending nothing.
void append_send_frame_of(Bytes& out, std::uint64_t request_id, const RemoteTask& target, const Message& message,
                          std::size_t max_payload);

// A decoded `send` payload whose message still lies in the frame it came from.
struct SendView {
  std::uint64_t request_id = 0;
  RemoteTask target;
  std::span<const std::byte> message;  // valid while the frame's bytes are
};

// Decodes a `send` payload; untrusted input, checked like decode_payload<SendPayload>() (either
// byte order, truncation, sizes beyond the input, trailing bytes): throws SerializationError.
[[nodiscard]] SendView decode_send_payload(std::span<const std::byte> payload);

}  // namespace picos::net
