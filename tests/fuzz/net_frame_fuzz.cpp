// libFuzzer target: the peer protocol's frame decoder (lib/net/frame.hpp) and the payload of
// every frame kind (lib/net/wire.hpp). Contract checked: decode_frame() never throws on any
// input and a frame it accepts re-encodes to the same bytes; payload decoding fails only with
// SerializationError.
#include "net/frame.hpp"
#include "net/send_frame.hpp"
#include "net/wire.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

template <class Payload>
void decode_as(std::span<const std::byte> payload) {
  try {
    (void)picos::net::decode_payload<Payload>(payload);
  } catch (const picos::SerializationError&) {
  }
}

void decode_message(const picos::Bytes& bytes) {
  try {
    (void)picos::deserialize(bytes);
  } catch (const picos::SerializationError&) {
  }
}

void decode_payload_of(const picos::net::Frame& frame) {
  using picos::net::FrameKind;
  const std::span<const std::byte> payload(frame.payload);
  switch (frame.kind) {
    case FrameKind::ping:
    case FrameKind::pong: decode_as<picos::net::PingPayload>(payload); break;
    case FrameKind::send:
      try {
        decode_message(picos::net::decode_payload<picos::net::SendPayload>(payload).message);
      } catch (const picos::SerializationError&) {
      }
      break;
    case FrameKind::ack:
    case FrameKind::monitor_reply: decode_as<picos::net::ResultPayload>(payload); break;
    case FrameKind::locate: decode_as<picos::net::LocatePayload>(payload); break;
    case FrameKind::relay_discovery: decode_as<picos::net::RelayPayload>(payload); break;
    case FrameKind::locate_reply: decode_as<picos::net::LocateReplyPayload>(payload); break;
    case FrameKind::monitor: decode_as<picos::net::MonitorPayload>(payload); break;
    case FrameKind::monitor_status:
      try {
        decode_message(picos::net::decode_payload<picos::net::MonitorStatusPayload>(payload).status);
      } catch (const picos::SerializationError&) {
      }
      break;
    case FrameKind::channel_locate: decode_as<picos::net::ChannelLocatePayload>(payload); break;
    case FrameKind::channel_subscribe: decode_as<picos::net::ChannelSubscribePayload>(payload); break;
    case FrameKind::channel_reply: decode_as<picos::net::ChannelReplyPayload>(payload); break;
    case FrameKind::channel_send:
      try {
        decode_message(picos::net::decode_payload<picos::net::ChannelSendPayload>(payload).message);
      } catch (const picos::SerializationError&) {
      }
      break;
    case FrameKind::channel_message:
      try {
        decode_message(picos::net::decode_payload<picos::net::ChannelMessagePayload>(payload).message);
      } catch (const picos::SerializationError&) {
      }
      break;
    case FrameKind::send_batch:
      try {
        const picos::net::SendBatchView view = picos::net::decode_send_batch(payload);
        picos::net::BatchedMessages messages(view);
        for (std::size_t i = 0; i < view.count; ++i) {
          const std::span<const std::byte> message = messages.next();
          decode_message(picos::Bytes(message.begin(), message.end()));
        }
        require(messages.done());
      } catch (const picos::SerializationError&) {
      }
      break;
    default: break;  // handshake kinds: see net_handshake_fuzz.cpp
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t max_payload = std::size_t{data[0]} * 16;  // 0 .. 4080 bytes
  std::span<const std::byte> rest(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
  while (!rest.empty()) {
    const auto decoded = picos::net::decode_frame(rest, max_payload);
    const auto* frame = std::get_if<picos::net::DecodedFrame>(&decoded);
    if (frame == nullptr) return 0;
    require(frame->consumed == picos::net::frame_header_size + frame->frame.payload.size());
    require(frame->consumed <= rest.size());
    require(frame->frame.payload.size() <= max_payload);
    const picos::Bytes again = picos::net::encode_frame(frame->frame.kind, frame->frame.payload, max_payload);
    require(std::equal(again.begin(), again.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(frame->consumed)));
    decode_payload_of(frame->frame);
    rest = rest.subspan(frame->consumed);
  }
  return 0;
}
