// Hostile channel frames from an authenticated peer: a malformed payload or an invalid field
// closes only that connection with a logged reason; an undecodable message is dropped and logged
// while the connection goes on; the node keeps serving its real peers.
#include "net/frame_stream.hpp"
#include "net/handshake.hpp"
#include "net/wire.hpp"
#include "net_support.hpp"

#include <picos/channel.hpp>
#include <picos/log.hpp>
#include <picos/node.hpp>
#include <picos/picos.hpp>

#include <doctest/doctest.h>

#include <mutex>
#include <thread>
#include <vector>

using namespace net_test;
namespace net = picos::net;

namespace {

class LogLines {
 public:
  LogLines() : level_(picos::log_level()) {
    picos::set_log_level(picos::LogLevel::info);  // refused references are logged at info
    picos::set_log_sink([this](picos::LogLevel, const std::string& line) {
      std::lock_guard lock(mutex_);
      lines_.push_back(line);
    });
  }
  ~LogLines() {
    picos::set_log_sink({});
    picos::set_log_level(level_);
  }
  LogLines(const LogLines&) = delete;
  LogLines& operator=(const LogLines&) = delete;
  // [B] True once a line holding `text` was logged (waits up to 5 s).
  bool wait_for(const std::string& text) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard lock(mutex_);
        for (const auto& line : lines_) {
          if (line.find(text) != std::string::npos) return true;
        }
      }
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

 private:
  picos::LogLevel level_;
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

// An authenticated connection to `node` that sends whatever frames a test builds. It announces a
// location nobody listens on, so the node's dial-back fails and its answers go nowhere.
class RawPeer {
 public:
  explicit RawPeer(const picos::Node& node)
      : stream_(picos::TcpStream::connect(node.location().host, node.location().port, 5s), net::max_handshake_payload) {
    net::ClientHandshake handshake("test-secret", {"raw", {"127.0.0.1", 1}, 100}, net::random_nonce());
    stream_.write(handshake.start(), 5s);
    while (handshake.state() == net::HandshakeState::waiting) {
      std::optional<net::Frame> frame = stream_.read(5s);
      REQUIRE(frame);
      net::HandshakeStep step = handshake.receive(*frame);
      if (!step.to_send.empty()) stream_.write(step.to_send, 5s);
    }
    REQUIRE(handshake.state() == net::HandshakeState::done);
  }

  template <class Payload>
  void send(net::FrameKind kind, const Payload& payload) {
    stream_.write(net::encode_frame(kind, net::encode_payload(payload)), 5s);
  }

  // [B] True when the node answers a ping (the connection is still served).
  bool answers_ping() {
    send(net::FrameKind::ping, net::PingPayload{7});
    std::optional<net::Frame> frame = stream_.read(5s);
    return frame && frame->kind == net::FrameKind::pong;
  }

  // [B] True once the node has closed the connection.
  bool closed() {
    try {
      while (stream_.read(5s)) {
      }
      return true;
    } catch (const std::system_error& error) {
      return error.code() == std::errc::connection_reset;
    } catch (const net::ProtocolError&) {
      return true;
    }
  }

 private:
  net::FrameStream stream_;
};

}  // namespace

TEST_CASE("malformed channel frames from an authenticated peer close only that connection") {
  LogLines log;
  picos::Node owner(loopback_options("owner"));
  picos::Node user(loopback_options("user"));
  picos::Channel news("robust-news");
  REQUIRE(news.register_name());
  const picos::ChannelReference reference = owner.export_channel(news);

  {
    RawPeer raw(owner);
    raw.send(net::FrameKind::channel_subscribe, net::PingPayload{1});  // not a subscribe payload
    CHECK(raw.closed());
    CHECK(log.wait_for("malformed frame payload"));
  }
  {
    RawPeer raw(owner);
    net::ChannelMessagePayload notice;
    notice.source = reference;
    notice.subscriber.kind = 7;
    raw.send(net::FrameKind::channel_message, notice);
    CHECK(raw.closed());
    CHECK(log.wait_for("subscriber of unknown kind 7"));
  }
  {
    RawPeer raw(owner);
    net::ChannelSendPayload request;
    request.channel = reference;
    request.message = {std::byte{1}, std::byte{2}, std::byte{3}};
    raw.send(net::FrameKind::channel_send, request);
    CHECK(log.wait_for("undecodable message for"));
    CHECK(raw.answers_ping());  // a bad message is not a bad frame: the connection goes on
    request.channel.rid ^= 1U;  // forged
    raw.send(net::FrameKind::channel_send, request);
    CHECK(log.wait_for("forged channel reference"));
    CHECK(raw.answers_ping());
  }

  // Real peers are unaffected.
  REQUIRE(user.peer(owner.location(), 5s));
  auto channel = user.locate_channel("robust-news", owner.location(), 5s);
  REQUIRE(channel);
  CHECK(channel->reference() == reference);
  const picos::Task receiver = picos::spawn([] { return picos::this_task::receive(5s).has_value(); });
  REQUIRE(news.subscribe(receiver));
  CHECK(channel->deliver(std::string("still fine"), 5s) == 1);
  CHECK(receiver.value(10s).get<bool>());
}
