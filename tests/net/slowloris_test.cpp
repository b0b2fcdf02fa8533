// A flood of idle connections (slowloris) from one address is bounded by the pending-handshake
// limits: the node holds a few of them, turns the rest away with a summarised log line, and a real
// peer from another address still links at once.
#include "net/handshake_gate.hpp"
#include "net_support.hpp"
#include "run_in.hpp"

#include <picos/log.hpp>
#include <picos/node.hpp>

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

using namespace net_test;
using picos::Node;

namespace {

constexpr int idle_connections = 10000;

// A child process that opens `count` non-blocking connections to `port` on 127.0.0.1 from
// 127.0.0.2, sends nothing, and keeps them until it is killed (by the destructor).
class IdleConnectionFlood {
 public:
  IdleConnectionFlood(std::uint16_t port, int count) {
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    child_ = ::fork();
    REQUIRE(child_ >= 0);
    if (child_ == 0) {
      ::close(ready[0]);
      sockaddr_in from{};
      from.sin_family = AF_INET;
      ::inet_pton(AF_INET, "127.0.0.2", &from.sin_addr);
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(port);
      ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
      int opened = 0;
      for (int i = 0; i < count; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (fd < 0) break;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) break;
        (void)::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to);  // EINPROGRESS
        ++opened;
      }
      (void)!::write(ready[1], &opened, sizeof opened);
      for (;;) ::pause();
    }
    ::close(ready[1]);
    REQUIRE(::read(ready[0], &opened_, sizeof opened_) == static_cast<ssize_t>(sizeof opened_));
    ::close(ready[0]);
  }
  ~IdleConnectionFlood() {
    ::kill(child_, SIGKILL);
    ::waitpid(child_, nullptr, 0);
  }
  IdleConnectionFlood(const IdleConnectionFlood&) = delete;
  IdleConnectionFlood& operator=(const IdleConnectionFlood&) = delete;
  [[nodiscard]] int opened() const noexcept { return opened_; }

 private:
  pid_t child_ = -1;
  int opened_ = 0;
};

std::size_t open_descriptors() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++count;
  return count;
}

}  // namespace

TEST_CASE("ten thousand idle connections from one address neither exhaust the node nor keep a real peer out") {
  std::mutex mutex;
  std::vector<std::string> refusals;
  picos::set_log_sink([&](picos::LogLevel, const std::string& line) {
    if (line.find("handshakes already pending") == std::string::npos) return;
    std::lock_guard lock(mutex);
    refusals.push_back(line);
  });
  {
    picos::NodeOptions options = loopback_options("target");
    options.connect_timeout = 2000ms;
    Node target(options);
    const std::size_t descriptors_before = open_descriptors();
    IdleConnectionFlood flood(target.location().port, idle_connections);
    REQUIRE(flood.opened() == idle_connections);
    std::this_thread::sleep_for(500ms);  // let the node accept and turn away what reached it

    Node real_peer(loopback_options("real"));
    picos_test::run_in([&] { CHECK(real_peer.peer(target.location(), 5s)); });
    // The target holds at most its per-address limit of the flood's connections (64 by default)
    // besides the real peer's two; the others were closed as they were accepted.
    CHECK(open_descriptors() < descriptors_before + 64 + 32);
  }
  picos::set_log_sink({});
  std::lock_guard lock(mutex);
  REQUIRE_FALSE(refusals.empty());
  CHECK(refusals.front().find("from 127.0.0.2") != std::string::npos);
  // Summarised: far fewer lines than refused connections.
  CHECK(refusals.size() < 20);
}

TEST_CASE("the handshake gate bounds pending handshakes per address and in total, and frees them on release") {
  picos::net::HandshakeGate gate(2, 3);
  CHECK(gate.admit("10.0.0.1"));
  CHECK(gate.admit("10.0.0.1"));
  CHECK_FALSE(gate.admit("10.0.0.1"));  // per-address limit
  CHECK(gate.admit("10.0.0.2"));
  CHECK_FALSE(gate.admit("10.0.0.3"));  // total limit, though this address has none pending
  CHECK(gate.pending() == 3);
  gate.release("10.0.0.1");
  CHECK(gate.pending() == 2);
  CHECK(gate.admit("10.0.0.3"));
  CHECK_FALSE(gate.admit("10.0.0.3"));  // total limit again
  gate.release("10.0.0.2");
  gate.release("10.0.0.9");  // never admitted: ignored
  CHECK(gate.pending() == 2);
  CHECK(gate.admit("10.0.0.1"));
}
