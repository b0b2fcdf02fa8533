// Hostile bytes on the listening port close only that connection, with a logged reason; the node
// keeps serving its real peers.
#include "net/frame.hpp"
#include "net/handshake.hpp"
#include "net_support.hpp"

#include <picos/log.hpp>
#include <picos/socket.hpp>

#include <doctest/doctest.h>

#include <mutex>
#include <thread>
#include <vector>

using namespace net_test;
using picos::Node;
using picos::TcpStream;

namespace {

// Collects log lines while alive.
class LogCapture {
 public:
  LogCapture() {
    picos::set_log_sink([this](picos::LogLevel, const std::string& line) {
      std::lock_guard lock(mutex_);
      lines_.push_back(line);
    });
  }
  ~LogCapture() { picos::set_log_sink({}); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  bool has(const std::string& text) {
    std::lock_guard lock(mutex_);
    for (const auto& line : lines_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

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

bool wait_for_log(LogCapture& capture, const std::string& text) {
  for (int i = 0; i < 500 && !capture.has(text); ++i) std::this_thread::sleep_for(10ms);
  return capture.has(text);
}

}  // namespace

TEST_CASE("garbage, a wrong version, an oversized frame and a wrong first frame each close only their connection") {
  LogCapture capture;
  Node a(loopback_options("alpha"));
  Node b(loopback_options("beta"));
  REQUIRE(a.peer(b.location(), 5s));

  const std::string http = "GET / HTTP/1.0\r\n\r\n";
  CHECK(closed_after(b, picos::Bytes(reinterpret_cast<const std::byte*>(http.data()),
                                     reinterpret_cast<const std::byte*>(http.data() + http.size()))));
  CHECK(wait_for_log(capture, "bad magic"));

  picos::Bytes other_version = picos::net::encode_frame(picos::net::FrameKind::hello, {});
  other_version[2] = std::byte{9};
  CHECK(closed_after(b, other_version));
  CHECK(wait_for_log(capture, "unsupported protocol version"));

  // Before authentication only small frames are accepted, whatever max_frame_size says.
  const picos::Bytes huge_header{std::byte{'P'}, std::byte{'N'}, std::byte{picos::net::protocol_version},
                                 std::byte{1},   std::byte{0},   std::byte{0x10},
                                 std::byte{0},   std::byte{0}};
  CHECK(closed_after(b, huge_header));
  CHECK(wait_for_log(capture, "frame larger than the maximum frame size"));

  CHECK(closed_after(b, picos::net::encode_frame(picos::net::FrameKind::send, {})));
  CHECK(wait_for_log(capture, "expected hello, got send"));

  // The real peer is unaffected.
  CHECK(a.peers().size() == 1);
  Node c(loopback_options("gamma"));
  CHECK(c.peer(b.location(), 5s));
}

TEST_CASE("a connection that stays silent during the handshake is dropped after the connect timeout") {
  LogCapture capture;
  picos::NodeOptions options = loopback_options("beta");
  options.connect_timeout = 300ms;
  Node b(options);
  TcpStream stream = TcpStream::connect(b.location().host, b.location().port, 5s);
  CHECK(stream.recv(16, 5s).empty());
  CHECK(wait_for_log(capture, "refused peer connection"));
}
