#include "net/frame.hpp"

#include <stdexcept>

namespace picos::net {
namespace {
// to_string() answers with this very pointer for values that are not frame kinds, which makes it
// the one list of kinds (the numbering has gaps: 21 is unused).
constexpr const char* unknown_kind_name = "unknown";
}  // namespace

bool is_frame_kind(std::uint8_t kind) noexcept {
  return to_string(static_cast<FrameKind>(kind)) != unknown_kind_name;
}

std::variant<DecodedFrameView, FrameError> decode_frame_view(std::span<const std::byte> bytes,
                                                             std::size_t max_payload) noexcept {
  // Each header field is checked as soon as it is available, so a peer speaking something else
  // is refused after its first bytes instead of after a whole (possibly huge) frame.
  if (!bytes.empty() && bytes[0] != frame_magic[0]) return FrameError::bad_magic;
  if (bytes.size() >= 2 && bytes[1] != frame_magic[1]) return FrameError::bad_magic;
  if (bytes.size() >= 3 && std::to_integer<std::uint8_t>(bytes[2]) != protocol_version) return FrameError::bad_version;
  if (bytes.size() >= 4) {
    const auto kind = std::to_integer<std::uint8_t>(bytes[3]);
    if (!is_frame_kind(kind)) return FrameError::bad_kind;
  }
  if (bytes.size() < frame_header_size) return FrameError::incomplete;
  std::uint32_t length = 0;
  for (std::size_t i = 4; i < 8; ++i) length = (length << 8U) | std::to_integer<std::uint32_t>(bytes[i]);
  if (length > max_payload) return FrameError::too_large;
  if (bytes.size() - frame_header_size < length) return FrameError::incomplete;
  DecodedFrameView decoded;
  decoded.frame.kind = static_cast<FrameKind>(std::to_integer<std::uint8_t>(bytes[3]));
  decoded.frame.payload = bytes.subspan(frame_header_size, length);
  decoded.consumed = frame_header_size + length;
  return decoded;
}

std::variant<DecodedFrame, FrameError> decode_frame(std::span<const std::byte> bytes, std::size_t max_payload) {
  auto decoded = decode_frame_view(bytes, max_payload);
  if (const auto* error = std::get_if<FrameError>(&decoded)) return *error;
  const DecodedFrameView& view = std::get<DecodedFrameView>(decoded);
  DecodedFrame copy;
  copy.frame.kind = view.frame.kind;
  copy.frame.payload.assign(view.frame.payload.begin(), view.frame.payload.end());
  copy.consumed = view.consumed;
  return copy;
}

void check_payload_size(std::size_t payload_size, std::size_t max_payload) {
  if (payload_size > max_payload || payload_size > 0xFFFFFFFFU) {
    throw std::length_error("picos: frame payload of " + std::to_string(payload_size) +
                            " bytes exceeds the maximum of " + std::to_string(max_payload));
  }
}

void append_frame_header(Bytes& out, FrameKind kind, std::size_t payload_size, std::size_t max_payload) {
  check_payload_size(payload_size, max_payload);
  const auto length = static_cast<std::uint32_t>(payload_size);
  const std::byte header[frame_header_size] = {frame_magic[0],
                                               frame_magic[1],
                                               std::byte{protocol_version},
                                               static_cast<std::byte>(kind),
                                               static_cast<std::byte>((length >> 24U) & 0xFFU),
                                               static_cast<std::byte>((length >> 16U) & 0xFFU),
                                               static_cast<std::byte>((length >> 8U) & 0xFFU),
                                               static_cast<std::byte>(length & 0xFFU)};
  out.insert(out.end(), std::begin(header), std::end(header));
}

void append_frame(Bytes& out, FrameKind kind, std::span<const std::byte> payload, std::size_t max_payload) {
  out.reserve(out.size() + frame_header_size + payload.size());
  append_frame_header(out, kind, payload.size(), max_payload);
  out.insert(out.end(), payload.begin(), payload.end());
}

Bytes encode_frame(FrameKind kind, std::span<const std::byte> payload, std::size_t max_payload) {
  Bytes out;
  append_frame(out, kind, payload, max_payload);
  return out;
}

const char* to_string(FrameError error) noexcept {
  switch (error) {
    case FrameError::incomplete: return "incomplete frame";
    case FrameError::bad_magic: return "not a picos peer frame (bad magic)";
    case FrameError::bad_version: return "unsupported protocol version";
    case FrameError::bad_kind: return "unknown frame kind";
    case FrameError::too_large: return "frame larger than the maximum frame size";
  }
  return "unknown frame error";
}

const char* to_string(FrameKind kind) noexcept {
  switch (kind) {
    case FrameKind::hello: return "hello";
    case FrameKind::challenge: return "challenge";
    case FrameKind::proof: return "proof";
    case FrameKind::welcome: return "welcome";
    case FrameKind::refuse: return "refuse";
    case FrameKind::ping: return "ping";
    case FrameKind::pong: return "pong";
    case FrameKind::send: return "send";
    case FrameKind::ack: return "ack";
    case FrameKind::locate: return "locate";
    case FrameKind::locate_reply: return "locate_reply";
    case FrameKind::monitor: return "monitor";
    case FrameKind::monitor_reply: return "monitor_reply";
    case FrameKind::monitor_status: return "monitor_status";
    case FrameKind::bye: return "bye";
    case FrameKind::channel_locate: return "channel_locate";
    case FrameKind::channel_subscribe: return "channel_subscribe";
    case FrameKind::channel_send: return "channel_send";
    case FrameKind::channel_reply: return "channel_reply";
    case FrameKind::channel_message: return "channel_message";
    case FrameKind::rti_locate: return "rti_locate";
    case FrameKind::rti_locate_reply: return "rti_locate_reply";
    case FrameKind::rti_call: return "rti_call";
    case FrameKind::rti_call_reply: return "rti_call_reply";
    case FrameKind::rti_monitor: return "rti_monitor";
    case FrameKind::rti_monitor_reply: return "rti_monitor_reply";
    case FrameKind::file_offer: return "file_offer";
    case FrameKind::file_chunk: return "file_chunk";
    case FrameKind::file_cancel: return "file_cancel";
    case FrameKind::file_delete: return "file_delete";
    case FrameKind::file_reply: return "file_reply";
    case FrameKind::relay_discovery: return "relay_discovery";
    case FrameKind::send_batch: return "send_batch";
  }
  return unknown_kind_name;
}

}  // namespace picos::net
