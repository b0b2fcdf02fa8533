// The handshake state machines: success, wrong secrets on either side, replays, malformed input.
#include "net/handshake.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string_view>

using picos::Bytes;
using picos::Location;
using namespace picos::net;

namespace {

Frame only_frame(const Bytes& bytes) {
  auto result = decode_frame(bytes);
  REQUIRE(std::holds_alternative<DecodedFrame>(result));
  REQUIRE(std::get<DecodedFrame>(result).consumed == bytes.size());
  return std::get<DecodedFrame>(result).frame;
}

Bytes fixed_nonce(int seed) {
  Bytes nonce(nonce_size);
  for (std::size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<std::byte>(seed + static_cast<int>(i));
  return nonce;
}

const NodeIdentity client_id{"client", Location{"127.0.0.1", 4001}};
const NodeIdentity server_id{"server", Location{"127.0.0.1", 4002}};

bool contains(const Bytes& haystack, std::string_view needle) {
  const auto* first = reinterpret_cast<const std::byte*>(needle.data());
  return std::search(haystack.begin(), haystack.end(), first, first + needle.size()) != haystack.end();
}

}  // namespace

TEST_CASE("client and server with the same secret both finish and learn each other's identity") {
  ClientHandshake client("s3cret-value", client_id, random_nonce());
  ServerHandshake server("s3cret-value", server_id, random_nonce());
  const Bytes hello = client.start();
  HandshakeStep challenge = server.receive(only_frame(hello));
  CHECK(challenge.state == HandshakeState::waiting);
  HandshakeStep proof = client.receive(only_frame(challenge.to_send));
  CHECK(proof.state == HandshakeState::waiting);
  HandshakeStep welcome = server.receive(only_frame(proof.to_send));
  CHECK(welcome.state == HandshakeState::done);
  HandshakeStep done = client.receive(only_frame(welcome.to_send));
  CHECK(done.state == HandshakeState::done);
  CHECK(client.peer().name == "server");
  CHECK(client.peer().location == server_id.location);
  CHECK(server.peer().name == "client");
  CHECK(server.peer().location == client_id.location);
  for (const Bytes* sent : std::initializer_list<const Bytes*>{&hello, &challenge.to_send, &proof.to_send, &welcome.to_send}) {
    CHECK_FALSE(contains(*sent, "s3cret-value"));
  }
}

TEST_CASE("a client refuses a server that does not know the secret") {
  ClientHandshake client("right", client_id, random_nonce());
  ServerHandshake server("wrong", server_id, random_nonce());
  HandshakeStep challenge = server.receive(only_frame(client.start()));
  HandshakeStep step = client.receive(only_frame(challenge.to_send));
  CHECK(step.state == HandshakeState::refused);
  CHECK(step.reason.find("server does not know the shared secret") != std::string::npos);
  CHECK(step.to_send.empty());
}

TEST_CASE("a server refuses a client whose proof uses another secret and says why") {
  const Bytes client_nonce = fixed_nonce(1);
  ClientHandshake client("right", client_id, client_nonce);
  ServerHandshake server("right", server_id, random_nonce());
  HandshakeStep challenge = server.receive(only_frame(client.start()));
  REQUIRE(challenge.state == HandshakeState::waiting);
  // An impostor that cannot compute the proof answers with a guessed MAC.
  const Bytes forged = encode_frame(FrameKind::proof, encode_payload(Bytes(mac_size, std::byte{0x42})));
  HandshakeStep refused = server.receive(only_frame(forged));
  CHECK(refused.state == HandshakeState::refused);
  CHECK(refused.reason == "client does not know the shared secret");
  const Frame refusal = only_frame(refused.to_send);
  CHECK(refusal.kind == FrameKind::refuse);
  HandshakeStep told = client.receive(refusal);
  CHECK(told.state == HandshakeState::refused);
  CHECK(told.reason.find("client does not know the shared secret") != std::string::npos);
}

TEST_CASE("a proof recorded from an earlier session is refused by a new server session") {
  const Bytes client_nonce = fixed_nonce(5);
  ClientHandshake client("k", client_id, client_nonce);
  ServerHandshake first("k", server_id, random_nonce());
  const Bytes hello = client.start();
  HandshakeStep challenge = first.receive(only_frame(hello));
  HandshakeStep proof = client.receive(only_frame(challenge.to_send));
  REQUIRE(first.receive(only_frame(proof.to_send)).state == HandshakeState::done);

  // An eavesdropper replays the same hello and proof to a new session (fresh server nonce).
  ServerHandshake second("k", server_id, random_nonce());
  REQUIRE(second.receive(only_frame(hello)).state == HandshakeState::waiting);
  HandshakeStep replayed = second.receive(only_frame(proof.to_send));
  CHECK(replayed.state == HandshakeState::refused);
  CHECK(replayed.reason == "client does not know the shared secret");
}

TEST_CASE("the handshake refuses frames out of order, malformed payloads and garbage bytes") {
  SUBCASE("a proof before the hello") {
    ServerHandshake server("k", server_id, random_nonce());
    HandshakeStep step = server.receive(only_frame(encode_frame(FrameKind::proof, encode_payload(Bytes(32)))));
    CHECK(step.state == HandshakeState::refused);
    CHECK(step.reason == "expected hello, got proof");
  }
  SUBCASE("a hello with a short nonce") {
    ClientHandshake client("k", client_id, Bytes(4));
    ServerHandshake server("k", server_id, random_nonce());
    CHECK(server.receive(only_frame(client.start())).reason == "client nonce has the wrong size");
  }
  SUBCASE("a hello announcing port 0") {
    ClientHandshake client("k", NodeIdentity{"c", Location{"h", 0}, 100}, random_nonce());
    ServerHandshake server("k", server_id, random_nonce());
    CHECK(server.receive(only_frame(client.start())).reason == "peer announced port 0");
  }
  SUBCASE("a hello announcing no heartbeat") {
    ClientHandshake client("k", NodeIdentity{"c", Location{"h", 1}, 0}, random_nonce());
    ServerHandshake server("k", server_id, random_nonce());
    CHECK(server.receive(only_frame(client.start())).reason == "peer announced a heartbeat interval of 0 ms");
  }
  SUBCASE("a truncated hello payload") {
    Bytes payload = only_frame(ClientHandshake("k", client_id, random_nonce()).start()).payload;
    payload.resize(payload.size() / 2);
    ServerHandshake server("k", server_id, random_nonce());
    HandshakeStep step = server.receive(Frame{FrameKind::hello, payload});
    CHECK(step.state == HandshakeState::refused);
    CHECK(step.reason.rfind("malformed hello frame", 0) == 0);
  }
  SUBCASE("an oversized hello") {
    ServerHandshake server("k", server_id, random_nonce());
    HandshakeStep step = server.receive(Frame{FrameKind::hello, Bytes(max_handshake_payload + 1)});
    CHECK(step.reason == "oversized hello frame");
  }
  SUBCASE("raw garbage through the byte entry point") {
    ServerHandshake server("k", server_id, random_nonce());
    const Bytes garbage(40, std::byte{0x17});
    HandshakeStep step = server.receive_bytes(garbage);
    CHECK(step.state == HandshakeState::refused);
    CHECK(only_frame(step.to_send).kind == FrameKind::refuse);
  }
  SUBCASE("anything after the end is refused") {
    ClientHandshake client("k", client_id, random_nonce());
    ServerHandshake server("k", server_id, random_nonce());
    HandshakeStep challenge = server.receive(only_frame(client.start()));
    HandshakeStep proof = client.receive(only_frame(challenge.to_send));
    REQUIRE(server.receive(only_frame(proof.to_send)).state == HandshakeState::done);
    CHECK(server.receive(only_frame(proof.to_send)).state == HandshakeState::refused);
  }
}

TEST_CASE("the handshake MAC depends on key, label and both nonces") {
  const Bytes a = fixed_nonce(1);
  const Bytes b = fixed_nonce(2);
  const Bytes base = handshake_mac("key", "label", a, b);
  CHECK(base.size() == mac_size);
  CHECK(handshake_mac("key", "label", a, b) == base);
  CHECK(handshake_mac("kex", "label", a, b) != base);
  CHECK(handshake_mac("key", "lobel", a, b) != base);
  CHECK(handshake_mac("key", "label", b, a) != base);
  CHECK(handshake_mac("", "label", a, b).size() == mac_size);
}
