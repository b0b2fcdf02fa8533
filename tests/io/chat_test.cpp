// The chat_sock_server example driven by several clients (the binary is built for the tests and
// found through PICOS_CHAT_SERVER).
#include "io_support.hpp"
#include "tls_support.hpp"

#include <picos/subprocess.hpp>
#include <picos/tls.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using picos_test::run_in;

namespace {

struct ChatServer {
  picos::Subprocess process;
  std::uint16_t port = 0;

  explicit ChatServer(std::vector<std::string> extra = {}) {
    const char* binary = std::getenv("PICOS_CHAT_SERVER");
    REQUIRE(binary != nullptr);
    std::vector<std::string> argv{binary, "--port", "0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process = picos::Subprocess::spawn(argv);
    const std::string banner = process.readline(30s);  // "chat server listening on PORT"
    REQUIRE(banner.rfind("chat server listening on ", 0) == 0);
    port = static_cast<std::uint16_t>(std::stoi(banner.substr(25)));
  }
  // Waits until the server logs a line containing `text`.
  void wait_log(const std::string& text) {
    while (true) {
      const std::string line = process.readline_stderr(30s);
      REQUIRE_FALSE(line.empty());
      if (line.find(text) != std::string::npos) return;
    }
  }
  // Waits until the server logs that `count` clients are online.
  void wait_online(int count) { wait_log("(" + std::to_string(count) + " online)"); }
  ~ChatServer() {
    process.kill();
    (void)process.wait(30s);
  }
};

}  // namespace

TEST_CASE("every line a chat client sends reaches every other client exactly once and in order") {
  run_in([] {
    ChatServer server;
    constexpr int clients = 4;
    constexpr int lines = 25;
    std::vector<picos::TcpStream> streams;
    for (int i = 0; i < clients; ++i) {
      streams.push_back(picos::TcpStream::connect(picos::SocketAddress::loopback(server.port), 30s));
      server.wait_online(i + 1);
    }
    std::vector<picos::Task> tasks;
    std::vector<std::vector<std::string>> received(clients);
    for (int i = 0; i < clients; ++i) {
      tasks.push_back(picos::spawn([&, i] {
        for (int j = 0; j < lines; ++j) streams[i].sendall("client " + std::to_string(i) + " line " + std::to_string(j) + "\n", 30s);
      }));
      tasks.push_back(picos::spawn([&, i] {
        for (int n = 0; n < (clients - 1) * lines; ++n) received[i].push_back(streams[i].recv_line(1000, 60s));
      }));
    }
    for (auto& task : tasks) task.finish(120s);
    for (int i = 0; i < clients; ++i) {
      std::map<int, int> next;  // sender -> next expected line number
      for (const std::string& line : received[i]) {
        const int sender = line[7] - '0';
        CHECK(sender != i);
        CHECK(line == "client " + std::to_string(sender) + " line " + std::to_string(next[sender]++) + "\n");
      }
      for (int sender = 0; sender < clients; ++sender) {
        if (sender != i) CHECK(next[sender] == lines);
      }
    }
    // A client that leaves is noticed, and the others keep chatting.
    streams[0].close();
    server.wait_log(" left");
    streams[1].sendall("after one left\n", 30s);
    for (int i = 2; i < clients; ++i) CHECK(streams[i].recv_line(1000, 30s) == "after one left\n");
  });
}

TEST_CASE("the chat server speaks TLS with --tls and openssl s_client as a client") {
  run_in([] {
    const auto& certs = io_test::certificates();
    ChatServer server({"--tls", certs.file("server.pem"), certs.file("server.key")});
    picos::TlsOptions options;
    options.ca_file = certs.file("ca.pem");
    auto listener_side = picos::TcpStream::connect(picos::SocketAddress::loopback(server.port), 30s,
                                                   picos::TlsContext::client(options), "localhost");
    server.wait_online(1);
    auto s_client = picos::Subprocess::spawn({"openssl", "s_client", "-quiet", "-no_ign_eof", "-verify_return_error",
                                              "-CAfile", certs.file("ca.pem"), "-verify_hostname", "localhost",
                                              "-connect", "127.0.0.1:" + std::to_string(server.port)});
    server.wait_online(2);
    s_client.write("hello over TLS\n", 30s);
    CHECK(listener_side.recv_line(1000, 30s) == "hello over TLS\n");
    listener_side.sendall("and back\n");
    CHECK(s_client.readline(30s) == "and back\n");
    s_client.close_stdin();
    (void)s_client.wait(30s);
  });
}
