// libFuzzer target: both sides of the peer handshake (lib/net/handshake.hpp) fed hostile frames.
// Input: byte 0 picks the side (even: server, odd: client), the rest is a stream of frames. The
// contract checked: a handshake step never throws, a refused handshake stays refused, and the
// server never accepts a client that lacks the shared secret (the fuzzer cannot compute the
// HMAC over the server's nonce). The client may finish: a seed holds a genuine challenge.
#include "net/frame.hpp"
#include "net/handshake.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

picos::net::NodeIdentity identity(const char* name) {
  picos::net::NodeIdentity self;
  self.name = name;
  return self;
}

template <class Side>
void feed(Side& side, std::span<const std::byte> stream, bool as_bytes, bool may_finish) {
  while (!stream.empty()) {
    const auto decoded = picos::net::decode_frame(stream, picos::net::max_handshake_payload);
    const auto* frame = std::get_if<picos::net::DecodedFrame>(&decoded);
    if (frame == nullptr) return;
    const bool was_refused = side.state() == picos::net::HandshakeState::refused;
    picos::net::HandshakeStep step;
    if constexpr (requires { side.receive_bytes(stream); }) {
      step = as_bytes ? side.receive_bytes(stream.first(frame->consumed)) : side.receive(frame->frame);
    } else {
      step = side.receive(frame->frame);
    }
    require(step.state == side.state());
    if (was_refused) require(step.state == picos::net::HandshakeState::refused);
    if (!may_finish) require(step.state != picos::net::HandshakeState::done);
    stream = stream.subspan(frame->consumed);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::span<const std::byte> stream(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
  const picos::Bytes nonce(picos::net::nonce_size, std::byte{7});
  if (data[0] % 2 == 0) {
    picos::net::ServerHandshake server("fuzz secret", identity("server"), nonce);
    feed(server, stream, data[0] % 4 == 0, false);
  } else {
    picos::net::ClientHandshake client("fuzz secret", identity("client"), nonce);
    (void)client.start();
    feed(client, stream, false, true);
  }
  return 0;
}
