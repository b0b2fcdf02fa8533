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
// flag, the target (as in `send`), then for each message a size field (u32) and its serialize()
// bytes. The size field's top bit (shares_type_bit) marks a message whose bytes leave out the
// type prefix (detail::type_prefix_size()) it shares with the batch's last message sent whole;
// the other bits count the bytes that follow.
inline constexpr std::uint32_t shares_type_bit = 0x80000000U;

// Where the type prefix of the last message added whole to a send_batch frame being built lies
// in its buffer (size 0: none), so that end_batched_message() can leave it out of the next ones.
struct BatchTypePrefix {
  std::size_t at = 0;
  std::size_t size = 0;
};

// Appends a send_batch frame holding `message` for `target` to `out`, and points `last_type`,
// when given, to the message's type prefix. Throws std::length_error, appending nothing, when the
// payload exceeds `max_payload`.
void append_send_batch(Bytes& out, const RemoteTask& target, std::span<const std::byte> message,
                       std::size_t max_payload, BatchTypePrefix* last_type = nullptr);

// Appends `message` to the send_batch frame that starts at out[frame_start] and ends `out`; false,
// appending nothing, when its payload would then exceed `max_payload`. Never throws but
// std::bad_alloc.
[[nodiscard]] bool extend_send_batch(Bytes& out, std::size_t frame_start, std::span<const std::byte> message,
                                     std::size_t max_payload);

// Appending a message to a send_batch frame in place, for a caller that encodes it straight into
// `out` (the frame starts at out[frame_start] and ends `out`): begin_batched_message() appends the
// message's size field and returns where it is; the caller appends the message's bytes; then
// end_batched_message() leaves out the message's type prefix when it is the one `last_type`
// points to (else `last_type` then points to this message's), and fills in the sizes; or it
// removes the message again and returns false when the frame's payload would exceed
// `max_payload`. begin_batched_message() throws std::bad_alloc.
[[nodiscard]] std::size_t begin_batched_message(Bytes& out);
[[nodiscard]] bool end_batched_message(Bytes& out, std::size_t frame_start, std::size_t size_at, std::size_t max_payload,
                                       BatchTypePrefix& last_type) noexcept;
// end_batched_message() for a caller that appended only the message's bytes after its type
// prefix, which it knows to be the one `last_type` points to.
[[nodiscard]] bool end_batched_value(Bytes& out, std::size_t frame_start, std::size_t size_at,
                                     std::size_t max_payload) noexcept;

// A decoded `send_batch` payload whose messages still lie in the frame they came from.
struct SendBatchView {
  RemoteTask target;
  std::size_t count = 0;                // messages, at least one
  std::span<const std::byte> messages;  // their size fields and bytes; walk with BatchedMessages
  bool little_endian = true;            // the byte order of the size fields
};

// Decodes a `send_batch` payload; untrusted input: every size is checked against the bytes left,
// and a payload without a message, truncated, with trailing bytes, or with a message that shares
// the type prefix of no message before it throws SerializationError.
[[nodiscard]] SendBatchView decode_send_batch(std::span<const std::byte> payload);

// The messages of what decode_send_batch() returned (or of size fields and messages laid out the
// same way and checked by it), in order.
class BatchedMessages {
 public:
  explicit BatchedMessages(const SendBatchView& view) noexcept : BatchedMessages(view.messages, view.little_endian) {}
  BatchedMessages(std::span<const std::byte> messages, bool little_endian) noexcept
      : rest_(messages), little_(little_endian) {}

  // One message as sent: `bytes` leave out `type` (the type prefix of the last message sent whole)
  // when `shares_type`.
  struct Part {
    std::span<const std::byte> type;
    std::span<const std::byte> bytes;
    bool shares_type = false;
  };
  // The next message as sent (at most count times). Never throws.
  [[nodiscard]] Part next_part() noexcept;
  // `part` whole: its bytes, or a copy with its type prefix rebuilt here (valid until the next
  // call). Throws std::bad_alloc.
  [[nodiscard]] std::span<const std::byte> whole(const Part& part);
  // whole(next_part()).
  [[nodiscard]] std::span<const std::byte> next() { return whole(next_part()); }
  // Every message was taken.
  [[nodiscard]] bool done() const noexcept { return rest_.empty(); }

 private:
  std::span<const std::byte> rest_;
  bool little_;
  std::span<const std::byte> type_;
  Bytes rebuilt_;
};

}  // namespace picos::net
