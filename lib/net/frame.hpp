#pragma once
// Wire frames of the peer protocol (docs/protocol.md): an 8-byte header — magic "PN", protocol
// version, kind, payload length (u32 big-endian) — followed by the payload, a cereal portable
// binary value whose type depends on the kind. Everything here is pure (no I/O) so it can be
// fuzzed: decode_frame() and decode_payload() treat their input as hostile.

#include <picos/serialization.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

namespace picos::net {

inline constexpr std::uint8_t protocol_version = 3;
inline constexpr std::size_t frame_header_size = 8;
inline constexpr std::size_t default_max_frame_size = 16 * 1024 * 1024;
inline constexpr std::byte frame_magic[2] = {std::byte{'P'}, std::byte{'N'}};

// The kinds of frames; values are part of the protocol.
enum class FrameKind : std::uint8_t {
  hello = 1,           // client → server: first handshake frame
  challenge = 2,       // server → client: server proof and challenge
  proof = 3,           // client → server: client proof
  welcome = 4,         // server → client: handshake accepted
  refuse = 5,          // either way: handshake refused, with the reason
  ping = 6,            // heartbeat request
  pong = 7,            // heartbeat answer
  send = 8,            // a message for a task (acknowledged when request_id != 0)
  ack = 9,             // outcome of a send
  locate = 10,         // which task is registered under a name?
  locate_reply = 11,   // answer to locate
  monitor = 12,        // make a remote task a monitor of a local one
  monitor_reply = 13,  // answer to monitor
  monitor_status = 14, // a monitored task ended
  bye = 15,            // orderly close of a link
  channel_locate = 16,     // which channel is registered under a name?
  channel_subscribe = 17,  // add or remove a subscriber of a channel
  channel_send = 18,       // a message for a channel (a deliver when request_id != 0)
  channel_reply = 19,      // answer to 16-18, on the answering node's own link
  channel_message = 20,    // a channel's message for one of its subscribers
  rti_locate = 22,         // which service is registered under a name? (lib/rti)
  rti_locate_reply = 23,   // answer to rti_locate
  rti_call = 24,           // run a service's function with these arguments
  rti_call_reply = 25,     // the invocation's task reference, or why it was refused
  rti_monitor = 26,        // make a task a monitor of every invocation of a service
  rti_monitor_reply = 27,  // answer to rti_monitor
  file_offer = 28,     // a file to store (file_wire.hpp)
  file_chunk = 29,     // the next bytes of an accepted file
  file_cancel = 30,    // the sender gives up a transfer
  file_delete = 31,    // delete a received file
  file_reply = 32,     // answer to file_offer, file_chunk, file_delete
  relay_discovery = 33,  // broadcast the sender's discovery ping on your networks (answered by ack)
  send_batch = 34,       // one-way messages for one task (send_frame.hpp)
};
inline constexpr std::uint8_t last_frame_kind = 34;

struct Frame {
  FrameKind kind = FrameKind::ping;
  Bytes payload;
};

// Why bytes are not (yet) a frame.
enum class FrameError : std::uint8_t {
  incomplete,   // not an error yet: more bytes are needed
  bad_magic,    // the stream is not this protocol
  bad_version,  // another protocol version
  bad_kind,     // unknown frame kind
  too_large,    // payload length above the configured maximum
};

struct DecodedFrame {
  Frame frame;
  std::size_t consumed = 0;  // header + payload bytes taken from the input
};

// A frame whose payload still lies in the bytes it was decoded from.
struct FrameView {
  FrameKind kind = FrameKind::ping;
  std::span<const std::byte> payload;
};

struct DecodedFrameView {
  FrameView frame;
  std::size_t consumed = 0;  // header + payload bytes taken from the input
};

// Decodes the first frame of `bytes`. Never throws except std::bad_alloc; never reads past the
// span. A payload larger than `max_payload` is refused as soon as the header is seen.
[[nodiscard]] std::variant<DecodedFrame, FrameError> decode_frame(std::span<const std::byte> bytes,
                                                                  std::size_t max_payload = default_max_frame_size);
// decode_frame() without copying: the payload is a view into `bytes`. Never throws.
[[nodiscard]] std::variant<DecodedFrameView, FrameError> decode_frame_view(
    std::span<const std::byte> bytes, std::size_t max_payload = default_max_frame_size) noexcept;

// Throws std::length_error naming both sizes when a payload of `payload_size` bytes is over
// `max_payload` (or over the 32-bit length field).
void check_payload_size(std::size_t payload_size, std::size_t max_payload);

// Appends one frame to `out`. Throws std::length_error when the payload exceeds `max_payload`.
void append_frame(Bytes& out, FrameKind kind, std::span<const std::byte> payload,
                  std::size_t max_payload = default_max_frame_size);

// Appends the 8-byte header of a frame whose payload of `payload_size` bytes the caller appends
// next. Throws std::length_error (appending nothing) when it exceeds `max_payload`.
void append_frame_header(Bytes& out, FrameKind kind, std::size_t payload_size,
                         std::size_t max_payload = default_max_frame_size);

// A frame on its own.
[[nodiscard]] Bytes encode_frame(FrameKind kind, std::span<const std::byte> payload,
                                 std::size_t max_payload = default_max_frame_size);

[[nodiscard]] const char* to_string(FrameError error) noexcept;
[[nodiscard]] const char* to_string(FrameKind kind) noexcept;
// True when `kind` is one of the FrameKind values (the numbering has gaps).
[[nodiscard]] bool is_frame_kind(std::uint8_t kind) noexcept;

// A frame payload: a cereal value, encoded without a type name (the kind says what it is).
template <class T>
[[nodiscard]] Bytes encode_payload(const T& value) {
  std::string buffer;
  {
    std::ostringstream stream(std::ios::binary);
    cereal::PortableBinaryOutputArchive archive(stream);
    archive(value);
    buffer = std::move(stream).str();
  }
  const auto* first = reinterpret_cast<const std::byte*>(buffer.data());
  return Bytes(first, first + buffer.size());
}

// Decodes a payload; untrusted input. Throws SerializationError on any malformed, truncated or
// over-long input (trailing bytes included).
template <class T>
[[nodiscard]] T decode_payload(std::span<const std::byte> bytes) {
  T value{};
  try {
    BoundedInputArchive archive(bytes);
    archive(value);
    if (archive.remaining() != 0) throw SerializationError("picos: trailing bytes after a frame payload");
  } catch (const cereal::Exception& error) {
    throw SerializationError(std::string("picos: malformed frame payload: ") + error.what());
  }
  return value;
}

}  // namespace picos::net
