// Hostile bytes on the listening port close only that connection, with a logged reason; the node
// keeps serving its real peers. A forged monitor status from an authenticated peer is dropped.
#include "net/frame.hpp"
#include "net/send_frame.hpp"
#include "net_support.hpp"
#include "raw_peer.hpp"
#include "run_in.hpp"

#include <picos/log.hpp>
#include <picos/receive.hpp>
#include <picos/socket.hpp>

#include <doctest/doctest.h>

#include <algorithm>

#include <picos/picos.hpp>
#include <picos/remote_task.hpp>

using namespace net_test;
using picos::Node;
using picos::TcpStream;

namespace {

// Sends `bytes` on a fresh connection and returns true once the node has closed it.
bool closed_after(const Node& node, const picos::Bytes& bytes) {
  TcpStream stream = TcpStream::connect(node.location().host, node.location().port, 5s);
  stream.sendall(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), 5s);
  for (;;) {
    try {
      if (stream.recv(4096, 5s).empty()) return true;  // the refusal frame may come first
    } catch (const std::system_error& error) {
      return error.code() == std::errc::connection_reset;
    }
  }
}

// The same send_batch frame with every integer of its payload stored most significant byte first
// (byte-order flag 0), as a big-endian peer writes it.
picos::Bytes big_endian_batch(const picos::Bytes& frame) {
  picos::Bytes out = frame;
  std::size_t at = picos::net::frame_header_size;
  out[at++] = std::byte{0};
  auto flip = [&](std::size_t size) {
    std::reverse(out.begin() + static_cast<std::ptrdiff_t>(at), out.begin() + static_cast<std::ptrdiff_t>(at + size));
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < size; ++i) value |= std::to_integer<std::uint64_t>(frame[at + i]) << (8 * i);
    at += size;
    return static_cast<std::size_t>(value);
  };
  at += flip(8);  // name
  flip(8);        // id
  flip(8);        // rid
  at += flip(8);  // host
  flip(2);        // port
  while (at < out.size()) at += flip(4);
  return out;
}

}  // namespace

TEST_CASE("garbage, a wrong version, an oversized frame and a wrong first frame each close only their connection") {
  LogLines log;
  Node a(loopback_options("alpha"));
  Node b(loopback_options("beta"));
  REQUIRE(a.peer(b.location(), 5s));

  const std::string http = "GET / HTTP/1.0\r\n\r\n";
  CHECK(closed_after(b, picos::Bytes(reinterpret_cast<const std::byte*>(http.data()),
                                     reinterpret_cast<const std::byte*>(http.data() + http.size()))));
  CHECK(log.wait_for("bad magic"));

  picos::Bytes other_version = picos::net::encode_frame(picos::net::FrameKind::hello, {});
  other_version[2] = std::byte{9};
  CHECK(closed_after(b, other_version));
  CHECK(log.wait_for("unsupported protocol version"));

  // Before authentication only small frames are accepted, whatever max_frame_size says.
  const picos::Bytes huge_header{std::byte{'P'}, std::byte{'N'}, std::byte{picos::net::protocol_version},
                                 std::byte{1},   std::byte{0},   std::byte{0x10},
                                 std::byte{0},   std::byte{0}};
  CHECK(closed_after(b, huge_header));
  CHECK(log.wait_for("frame larger than the maximum frame size"));

  CHECK(closed_after(b, picos::net::encode_frame(picos::net::FrameKind::send, {})));
  CHECK(log.wait_for("expected hello, got send"));

  // The real peer is unaffected.
  CHECK(a.peers().size() == 1);
  Node c(loopback_options("gamma"));
  CHECK(c.peer(b.location(), 5s));
}

TEST_CASE("a send_batch with an undecodable message delivers the others in order, and a malformed one closes only its connection") {
  LogLines log;
  Node b(loopback_options("beta"));
  const picos::Task sink = picos::spawn([] {
    // A selective receive first (it looks through the queued batch), then the rest in order.
    std::vector<std::string> got;
    const auto last = picos::this_task::receive_if([](const picos::Message& m) { return m.is<std::string>() && m.get<std::string>() == "four"; }, 10s);
    if (!last) return got;
    got.push_back(last->get<std::string>());
    while (auto next = picos::this_task::receive_as<std::string>(2s)) got.push_back(*next);
    return got;
  });
  const picos::RemoteTask target = b.export_task(sink);
  picos::Bytes frame;
  picos::net::append_send_batch(frame, target, picos::serialize(picos::Message(std::string("one"))), 1 << 20);
  const picos::Bytes undecodable{std::byte{1}, std::byte{2}, std::byte{3}};
  for (const picos::Bytes& message : {picos::serialize(picos::Message(std::string("two"))), undecodable,
                                      picos::serialize(picos::Message(std::string("three"))),
                                      picos::serialize(picos::Message(std::string("four")))}) {
    REQUIRE(picos::net::extend_send_batch(frame, 0, message, 1 << 20));
  }
  {
    RawPeer raw(b);
    raw.send_bytes(frame);
    CHECK(raw.answers_ping());  // a bad message is not a bad frame: the connection goes on
  }
  CHECK(sink.value(10s).get<std::vector<std::string>>() == std::vector<std::string>{"four", "one", "two", "three"});
  CHECK(log.wait_for("undecodable message from a peer"));

  const picos::Task other_order = picos::spawn([] {
    std::vector<std::string> got;
    while (auto next = picos::this_task::receive_as<std::string>(2s)) got.push_back(*next);
    return got;
  });
  picos::Bytes swapped;
  picos::net::append_send_batch(swapped, b.export_task(other_order), picos::serialize(picos::Message(std::string("one"))),
                                1 << 20);
  REQUIRE(picos::net::extend_send_batch(swapped, 0, picos::serialize(picos::Message(std::string("two"))), 1 << 20));
  {
    RawPeer raw(b);
    raw.send_bytes(big_endian_batch(swapped));
    CHECK(raw.answers_ping());
  }
  CHECK(other_order.value(10s).get<std::vector<std::string>>() == std::vector<std::string>{"one", "two"});

  picos::Bytes truncated = frame;
  truncated.resize(truncated.size() - 1);  // the last message is one byte short of its size
  const std::uint32_t length = static_cast<std::uint32_t>(truncated.size() - picos::net::frame_header_size);
  for (std::size_t i = 0; i < 4; ++i) truncated[4 + i] = static_cast<std::byte>((length >> (8 * (3 - i))) & 0xFFU);
  RawPeer bad(b);
  bad.send_bytes(truncated);
  CHECK(bad.closed());
  CHECK(log.wait_for("malformed frame payload: truncated"));
  RawPeer good(b);
  CHECK(good.answers_ping());
}

TEST_CASE("a connection that stays silent during the handshake is dropped after the connect timeout") {
  LogLines log;
  picos::NodeOptions options = loopback_options("beta");
  options.connect_timeout = 300ms;
  Node b(options);
  TcpStream stream = TcpStream::connect(b.location().host, b.location().port, 5s);
  CHECK(stream.recv(16, 5s).empty());
  CHECK(log.wait_for("refused peer connection"));
}

TEST_CASE("a monitor status about another node's task is dropped and logged, and the real one still arrives") {
  LogLines log;
  Node watcher(loopback_options("watcher"));
  Node owner(loopback_options("owner"));
  picos_test::run_in([&] {
    picos::Task worker = picos::spawn([] { return picos::this_task::receive(30s).has_value() ? 7 : 0; });
    const picos::RemoteTask target = owner.export_task(worker);
    REQUIRE(watcher.peer(owner.location(), 5s));
    REQUIRE(watcher.monitor(picos::this_task::current(), target, 5s));
    {
      // An authenticated peer that is not the owner claims the task has ended.
      RawPeer raw(watcher);
      const picos::RemoteTask monitor = watcher.export_task(picos::this_task::current());
      raw.send(picos::net::FrameKind::monitor_status,
               picos::net::MonitorStatusPayload{target, monitor, picos::serialize(picos::Message(std::string("made up")))});
      CHECK(log.wait_for("dropped a monitor status from peer raw"));
      CHECK(raw.answers_ping());  // the connection goes on
    }
    CHECK_FALSE(next_of<picos::RemoteMonitorStatus>(300ms));
    worker.send(picos::Message(1));
    const auto real = next_of<picos::RemoteMonitorStatus>(10s);
    REQUIRE(real);
    CHECK(real->kind == picos::RemoteMonitorStatus::Kind::finished);
    CHECK(real->value.get<int>() == 7);
  });
}

TEST_CASE("a peer asking to relay another node's discovery ping is refused with a logged reason, and its connection goes on") {
  LogLines log;
  Node node(loopback_options("relayer"));
  RawPeer raw(node);  // announces 127.0.0.1:1
  picos::net::DiscoveryPing someone_else;
  someone_else.instance = 1;
  someone_else.name = "someone-else";
  someone_else.locations = {picos::Location{"127.0.0.1", 2}};
  raw.send(picos::net::FrameKind::relay_discovery, picos::net::RelayPayload{7, someone_else});
  const std::optional<picos::net::Frame> reply = raw.next_frame();
  REQUIRE(reply);
  REQUIRE(reply->kind == picos::net::FrameKind::ack);
  const auto result = picos::net::decode_payload<picos::net::ResultPayload>(reply->payload);
  CHECK(result.request_id == 7);
  CHECK(result.result == 0);
  CHECK(log.wait_for("refused to relay a discovery ping"));
  CHECK(raw.answers_ping());
}
