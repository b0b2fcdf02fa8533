// Multi-host tests of the example programs (suite "hosts-examples", meson test
// net-hosts-examples, registered by examples/net/meson.build because it needs the example
// binaries; PICOS_EXAMPLES_NET_DIR names their directory): the chat room of chat_chan_server used
// by chat_chan_client processes on other lab hosts (network namespaces, see netns_support.hpp).
#include "hosts_support.hpp"

#include <picos/subprocess.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <sstream>
#include <system_error>

using namespace net_test;
using picos::Subprocess;

namespace {

// [B] Reads the chat server's output until its "chat server at HOST PORT" line; the port.
std::uint16_t chat_server_port(Subprocess& server) {
  for (int line_number = 0; line_number < 20; ++line_number) {
    std::istringstream line(server.readline(10s));
    std::string chat, word_server, at, host;
    unsigned port = 0;
    line >> chat >> word_server >> at >> host >> port;
    if (chat == "chat" && word_server == "server" && at == "at") return static_cast<std::uint16_t>(port);
  }
  FAIL("chat_chan_server did not say where it listens");
  return 0;
}

}  // namespace

TEST_SUITE("hosts-examples") {

TEST_CASE("chat clients on two other hosts, one given the server's address and one finding it by discovery, exchange a line") {
  const char* bin = std::getenv("PICOS_EXAMPLES_NET_DIR");
  if (bin == nullptr) {
    MESSAGE("SKIPPED: PICOS_EXAMPLES_NET_DIR is not set (the examples are not built)");
    return;
  }
  NetnsLab lab(3);
  if (!lab_ready(lab)) return;
  const std::string dir = bin;
  const std::string secret = "hosts-chat";
  Subprocess server = lab.spawn_in(0, {dir + "/chat_chan_server", "--host", NetnsLab::address(0), "--port", "0",
                                       "--secret", secret, "--discover"});
  const std::uint16_t port = chat_server_port(server);
  REQUIRE(port != 0);
  const std::string server_at = NetnsLab::address(0) + ":" + std::to_string(port);
  Subprocess bob = lab.spawn_in(1, {dir + "/chat_chan_client", "--peer", server_at, "--host", NetnsLab::address(1),
                                    "--secret", secret, "--name", "bob", "--receive", "1"});
  Subprocess alice = lab.spawn_in(2, {dir + "/chat_chan_client", "--discover", "--host", NetnsLab::address(2),
                                      "--secret", secret, "--name", "alice"});
  // alice repeats her line until bob, who may not have joined yet, prints it (then he leaves).
  const std::string text = "hello across hosts";
  std::string received;
  const auto started = std::chrono::steady_clock::now();
  while (received.empty() && std::chrono::steady_clock::now() - started < 30s) {
    alice.write(text + "\n", 5s);
    try {
      received = bob.readline(500ms);
    } catch (const std::system_error& error) {
      if (error.code() != std::errc::timed_out) throw;
    }
  }
  CHECK(received == "alice: " + text + "\n");
  MESSAGE("chat line across hosts after " << ms_since(started) << " ms");
  CHECK(bob.wait(10s) == 0);
  alice.close_stdin();
  CHECK(alice.wait(10s) == 0);
  // The server's transform ran at the owner: its own subscriber saw the prefixed line too.
  CHECK(prints(server, {"alice: " + text}, 10s));
}

}  // TEST_SUITE("hosts-examples")
