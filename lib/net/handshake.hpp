#pragma once
// The peer handshake (docs/protocol.md): mutual HMAC-SHA256 challenge-response over the shared
// secret, which is never sent. Pure state machines (no I/O): feed them received frames, send what
// they return. ServerHandshake::receive_bytes() is the fuzzing entry point.
//
//   client                                   server
//   hello {name, location, heartbeat interval, client nonce}  →
//                                         ←  challenge {name, location, heartbeat interval, server nonce,
//                                                       HMAC(secret, "picos/server" | cn | sn)}
//   proof {HMAC(secret, "picos/client" | sn | cn)} →
//                                         ←  welcome {}   (or refuse {reason})

#include "net/crypto.hpp"
#include "net/frame.hpp"

#include <picos/location.hpp>

#include <cstddef>
#include <span>
#include <string>

namespace picos::net {

inline constexpr std::size_t nonce_size = 32;
inline constexpr std::size_t mac_size = sha256_mac_size;
inline constexpr std::size_t max_handshake_payload = 4096;
inline constexpr std::size_t max_node_name = 255;

// Who a side says it is.
struct NodeIdentity {
  std::string name;
  Location location;
  // How often this side pings on its link (ms); the serving side sizes its idle limit from it.
  std::uint32_t heartbeat_interval_ms = 2000;
};
inline constexpr std::uint32_t max_heartbeat_interval_ms = 3600 * 1000;

enum class HandshakeState : std::uint8_t { waiting, done, refused };

// What one step produced: bytes to send (zero or more frames, possibly empty) and the state.
struct HandshakeStep {
  Bytes to_send;
  HandshakeState state = HandshakeState::waiting;
  std::string reason;  // why, when refused
};

// HMAC-SHA256(key, label | a | b). Throws std::runtime_error if OpenSSL fails.
[[nodiscard]] Bytes handshake_mac(std::string_view key, std::string_view label, std::span<const std::byte> a,
                                  std::span<const std::byte> b);
// nonce_size bytes from OpenSSL's CSPRNG. Throws std::runtime_error if it fails.
[[nodiscard]] Bytes random_nonce();

class ClientHandshake {
 public:
  // `nonce` must be nonce_size bytes (random_nonce() in production; fixed in tests).
  ClientHandshake(std::string secret, NodeIdentity self, Bytes nonce);
  // The hello frame.
  [[nodiscard]] Bytes start() const;
  // Handles one frame from the server. After done/refused further frames are refused.
  [[nodiscard]] HandshakeStep receive(const Frame& frame);
  // The server's identity (valid once a challenge was accepted).
  [[nodiscard]] const NodeIdentity& peer() const noexcept { return peer_; }
  [[nodiscard]] HandshakeState state() const noexcept { return state_; }

 private:
  HandshakeStep refuse(std::string reason);
  std::string secret_;
  NodeIdentity self_;
  Bytes nonce_;
  NodeIdentity peer_;
  bool proof_sent_ = false;
  HandshakeState state_ = HandshakeState::waiting;
};

class ServerHandshake {
 public:
  ServerHandshake(std::string secret, NodeIdentity self, Bytes nonce);
  // Handles one frame from the client.
  [[nodiscard]] HandshakeStep receive(const Frame& frame);
  // Decodes one frame from raw bytes (which must hold exactly one frame) and handles it; any
  // decoding failure refuses. Never throws except std::bad_alloc.
  [[nodiscard]] HandshakeStep receive_bytes(std::span<const std::byte> bytes);
  // The client's identity (valid once done).
  [[nodiscard]] const NodeIdentity& peer() const noexcept { return peer_; }
  [[nodiscard]] HandshakeState state() const noexcept { return state_; }

 private:
  HandshakeStep refuse(std::string reason);
  std::string secret_;
  NodeIdentity self_;
  Bytes nonce_;
  Bytes client_nonce_;
  NodeIdentity peer_;
  bool challenge_sent_ = false;
  HandshakeState state_ = HandshakeState::waiting;
};

}  // namespace picos::net
