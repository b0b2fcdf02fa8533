#include "net/handshake.hpp"

#include "net/crypto.hpp"

#include <stdexcept>
#include <utility>

namespace picos::net {
namespace {

constexpr std::string_view server_label = "picos/server";
constexpr std::string_view client_label = "picos/client";

struct HelloPayload {
  std::string name;
  Location location;
  std::uint32_t heartbeat_interval_ms = 0;
  Bytes nonce;
  template <class A>
  void serialize(A& a) { a(name, location, heartbeat_interval_ms, nonce); }
};
struct ChallengePayload {
  std::string name;
  Location location;
  std::uint32_t heartbeat_interval_ms = 0;
  Bytes nonce;
  Bytes mac;
  template <class A>
  void serialize(A& a) { a(name, location, heartbeat_interval_ms, nonce, mac); }
};
struct ProofPayload {
  Bytes mac;
  template <class A>
  void serialize(A& a) { a(mac); }
};
struct RefusePayload {
  std::string reason;
  template <class A>
  void serialize(A& a) { a(reason); }
};

bool same_mac(const Bytes& a, const Bytes& b) {
  return a.size() == mac_size && same_bytes_in_constant_time(a, b);
}

// Decodes a handshake payload, turning every malformation into a refusal reason.
template <class T>
bool decode_into(const Frame& frame, T& out, std::string& reason) {
  if (frame.payload.size() > max_handshake_payload) {
    reason = std::string("oversized ") + to_string(frame.kind) + " frame";
    return false;
  }
  try {
    out = decode_payload<T>(frame.payload);
    return true;
  } catch (const SerializationError& error) {
    reason = std::string("malformed ") + to_string(frame.kind) + " frame: " + error.what();
    return false;
  }
}

bool plausible_identity(const std::string& name, const Location& location, std::uint32_t heartbeat_ms,
                        std::string& reason) {
  if (heartbeat_ms == 0 || heartbeat_ms > max_heartbeat_interval_ms) {
    reason = "peer announced a heartbeat interval of " + std::to_string(heartbeat_ms) + " ms";
    return false;
  }
  if (name.size() > max_node_name || location.host.size() > max_node_name) {
    reason = "node name or host longer than " + std::to_string(max_node_name) + " bytes";
    return false;
  }
  if (location.port == 0) {
    reason = "peer announced port 0";
    return false;
  }
  return true;
}

Bytes refuse_frame(const std::string& reason) {
  return encode_frame(FrameKind::refuse, encode_payload(RefusePayload{reason}));
}

std::string refusal_text(const Frame& frame) {
  RefusePayload payload;
  std::string ignored;
  if (decode_into(frame, payload, ignored)) return payload.reason.substr(0, 200);
  return "(unreadable reason)";
}

}  // namespace

Bytes handshake_mac(std::string_view key, std::string_view label, std::span<const std::byte> a,
                    std::span<const std::byte> b) {
  Bytes input;
  input.reserve(label.size() + a.size() + b.size());
  for (char c : label) input.push_back(static_cast<std::byte>(c));
  input.insert(input.end(), a.begin(), a.end());
  input.insert(input.end(), b.begin(), b.end());
  return hmac_sha256(key, input);
}

Bytes random_nonce() {
  Bytes nonce(nonce_size);
  fill_random(nonce);
  return nonce;
}

ClientHandshake::ClientHandshake(std::string secret, NodeIdentity self, Bytes nonce)
    : secret_(std::move(secret)), self_(std::move(self)), nonce_(std::move(nonce)) {}

Bytes ClientHandshake::start() const {
  return encode_frame(FrameKind::hello, encode_payload(HelloPayload{self_.name, self_.location, self_.heartbeat_interval_ms, nonce_}));
}

HandshakeStep ClientHandshake::refuse(std::string reason) {
  state_ = HandshakeState::refused;
  return HandshakeStep{{}, state_, std::move(reason)};
}

HandshakeStep ClientHandshake::receive(const Frame& frame) {
  if (state_ != HandshakeState::waiting) return refuse("frame after the end of the handshake");
  std::string reason;
  if (frame.kind == FrameKind::refuse) return refuse("refused by the server: " + refusal_text(frame));
  if (!proof_sent_) {
    if (frame.kind != FrameKind::challenge) return refuse(std::string("expected challenge, got ") + to_string(frame.kind));
    ChallengePayload challenge;
    if (!decode_into(frame, challenge, reason)) return refuse(reason);
    if (!plausible_identity(challenge.name, challenge.location, challenge.heartbeat_interval_ms, reason)) return refuse(reason);
    if (challenge.nonce.size() != nonce_size) return refuse("server nonce has the wrong size");
    if (!same_mac(challenge.mac, handshake_mac(secret_, server_label, nonce_, challenge.nonce))) {
      return refuse("server does not know the shared secret");
    }
    peer_ = NodeIdentity{std::move(challenge.name), std::move(challenge.location), challenge.heartbeat_interval_ms};
    proof_sent_ = true;
    const Bytes mac = handshake_mac(secret_, client_label, challenge.nonce, nonce_);
    return HandshakeStep{encode_frame(FrameKind::proof, encode_payload(ProofPayload{mac})), state_, {}};
  }
  if (frame.kind != FrameKind::welcome) return refuse(std::string("expected welcome, got ") + to_string(frame.kind));
  if (!frame.payload.empty()) return refuse("welcome frame with a payload");
  state_ = HandshakeState::done;
  return HandshakeStep{{}, state_, {}};
}

ServerHandshake::ServerHandshake(std::string secret, NodeIdentity self, Bytes nonce)
    : secret_(std::move(secret)), self_(std::move(self)), nonce_(std::move(nonce)) {}

HandshakeStep ServerHandshake::refuse(std::string reason) {
  state_ = HandshakeState::refused;
  return HandshakeStep{refuse_frame(reason), state_, std::move(reason)};
}

HandshakeStep ServerHandshake::receive(const Frame& frame) {
  if (state_ != HandshakeState::waiting) return refuse("frame after the end of the handshake");
  std::string reason;
  if (!challenge_sent_) {
    if (frame.kind != FrameKind::hello) return refuse(std::string("expected hello, got ") + to_string(frame.kind));
    HelloPayload hello;
    if (!decode_into(frame, hello, reason)) return refuse(reason);
    if (!plausible_identity(hello.name, hello.location, hello.heartbeat_interval_ms, reason)) return refuse(reason);
    if (hello.nonce.size() != nonce_size) return refuse("client nonce has the wrong size");
    client_nonce_ = std::move(hello.nonce);
    peer_ = NodeIdentity{std::move(hello.name), std::move(hello.location), hello.heartbeat_interval_ms};
    challenge_sent_ = true;
    ChallengePayload challenge{self_.name, self_.location, self_.heartbeat_interval_ms, nonce_,
                               handshake_mac(secret_, server_label, client_nonce_, nonce_)};
    return HandshakeStep{encode_frame(FrameKind::challenge, encode_payload(challenge)), state_, {}};
  }
  if (frame.kind != FrameKind::proof) return refuse(std::string("expected proof, got ") + to_string(frame.kind));
  ProofPayload proof;
  if (!decode_into(frame, proof, reason)) return refuse(reason);
  if (!same_mac(proof.mac, handshake_mac(secret_, client_label, nonce_, client_nonce_))) {
    return refuse("client does not know the shared secret");
  }
  state_ = HandshakeState::done;
  return HandshakeStep{encode_frame(FrameKind::welcome, {}), state_, {}};
}

HandshakeStep ServerHandshake::receive_bytes(std::span<const std::byte> bytes) {
  auto decoded = decode_frame(bytes, max_handshake_payload);
  if (auto* error = std::get_if<FrameError>(&decoded)) return refuse(to_string(*error));
  auto& frame = std::get<DecodedFrame>(decoded);
  if (frame.consumed != bytes.size()) return refuse("bytes after the handshake frame");
  return receive(frame.frame);
}

}  // namespace picos::net
