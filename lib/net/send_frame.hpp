#pragma once
// The `send` and `send_batch` frames encoded straight into an output buffer and their payloads
// decoded in place: the hot path of Node::send, Node::deliver and the peer serving them, which
// would otherwise go through serialization streams and intermediate buffers for every message.

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

// A decoded `send` payload whose message still lies in the frame it came from.
struct SendView {
  std::uint64_t request_id = 0;
  RemoteTask target;
  std::span<const std::byte> message;  // valid while the frame's bytes are
};

// Decodes a `send` payload; untrusted input, checked like decode_payload<SendPayload>() (either
// byte order, truncation, sizes beyond the input, trailing bytes): throws SerializationError.
[[nodiscard]] SendView decode_send_payload(std::span<const std::byte> payload);

// A `send_batch` frame carries one-way messages for one task (docs/protocol.md): the byte-order
// flag, the target (as in `send`), then for each message its size (u32) and its serialize() bytes.
// Appends a send_batch frame holding `message` for `target` to `out`. Throws std::length_error,
// appending nothing, when the payload exceeds `max_payload`.
void append_send_batch(Bytes& out, const RemoteTask& target, std::span<const std::byte> message,
                       std::size_t max_payload);

// Appends `message` to the send_batch frame that starts at out[frame_start] and ends `out`; false,
// appending nothing, when its payload would then exceed `max_payload`. Never throws but
// std::bad_alloc.
[[nodiscard]] bool extend_send_batch(Bytes& out, std::size_t frame_start, std::span<const std::byte> message,
                                     std::size_t max_payload);

// Appending a message to a send_batch frame in place, for a caller that encodes it straight into
// `out` (the frame starts at out[frame_start] and ends `out`): begin_batched_message() appends the
// message's size field and returns where it is; the caller appends the message's bytes; then
// end_batched_message() fills in the sizes, or removes the message again and returns false when
// the frame's payload would exceed `max_payload`. begin_batched_message() throws std::bad_alloc.
[[nodiscard]] std::size_t begin_batched_message(Bytes& out);
[[nodiscard]] bool end_batched_message(Bytes& out, std::size_t frame_start, std::size_t size_at,
                                       std::size_t max_payload) noexcept;

// A decoded `send_batch` payload whose messages still lie in the frame they came from.
struct SendBatchView {
  RemoteTask target;
  std::size_t count = 0;                // messages, at least one
  std::span<const std::byte> messages;  // their sizes and bytes; walk with take_batched_message()
  bool little_endian = true;            // the byte order of the sizes
};

// Decodes a `send_batch` payload; untrusted input: every size is checked against the bytes left,
// and a payload without a message, truncated or with trailing bytes throws SerializationError.
[[nodiscard]] SendBatchView decode_send_batch(std::span<const std::byte> payload);

// The next message of a SendBatchView's `messages` (which it shortens). Only for what
// decode_send_batch() returned, at most `count` times.
[[nodiscard]] std::span<const std::byte> take_batched_message(std::span<const std::byte>& messages,
                                                              bool little_endian) noexcept;

}  // namespace picos::net
