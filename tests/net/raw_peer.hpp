#pragma once
// For the hostile-input tests: a log capture, and an authenticated raw connection that sends
// whatever frames a test builds.

#include "net/frame_stream.hpp"
#include "net/handshake.hpp"
#include "net/wire.hpp"

#include <picos/log.hpp>
#include <picos/node.hpp>
#include <picos/socket.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace net_test {

using namespace std::chrono_literals;

// Collects the log lines (info and above) while alive.
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

// An authenticated connection to `node` that sends whatever frames a test builds. It announces
// 127.0.0.1 at `announced_port`; by default nobody listens there, so the node's dial-back fails
// and its answers go nowhere.
class RawPeer {
 public:
  explicit RawPeer(const picos::Node& node, std::uint16_t announced_port = 1)
      : stream_(picos::TcpStream::connect(node.location().host, node.location().port, 5s), picos::net::max_handshake_payload) {
    picos::net::ClientHandshake handshake("test-secret", {"raw", {"127.0.0.1", announced_port}, 100},
                                          picos::net::random_nonce());
    stream_.write(handshake.start(), 5s);
    while (handshake.state() == picos::net::HandshakeState::waiting) {
      std::optional<picos::net::Frame> frame = stream_.read(5s);
      REQUIRE(frame);
      picos::net::HandshakeStep step = handshake.receive(*frame);
      if (!step.to_send.empty()) stream_.write(step.to_send, 5s);
    }
    REQUIRE(handshake.state() == picos::net::HandshakeState::done);
  }

  template <class Payload>
  void send(picos::net::FrameKind kind, const Payload& payload) {
    stream_.write(picos::net::encode_frame(kind, picos::net::encode_payload(payload)), 5s);
  }

  // Sends bytes built by the test (whole frames, or not).
  void send_bytes(const picos::Bytes& bytes) { stream_.write(bytes, 5s); }

  // [B] The next frame the node sends on this connection (std::nullopt when it closed it).
  std::optional<picos::net::Frame> next_frame() { return stream_.read(5s); }

  // [B] True when the node answers a ping (the connection is still served).
  bool answers_ping() {
    send(picos::net::FrameKind::ping, picos::net::PingPayload{7});
    std::optional<picos::net::Frame> frame = stream_.read(5s);
    return frame && frame->kind == picos::net::FrameKind::pong;
  }

  // [B] True once the node has closed the connection.
  bool closed() {
    try {
      while (stream_.read(5s)) {
      }
      return true;
    } catch (const std::system_error& error) {
      return error.code() == std::errc::connection_reset;
    } catch (const picos::net::ProtocolError&) {
      return true;
    }
  }

 private:
  picos::net::FrameStream stream_;
};

}  // namespace net_test
