// The chat_sock_server example driven by several clients (the binary is built for the tests and
// found through PICOS_CHAT_SERVER).
#include "chat_support.hpp"
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

TEST_CASE("every line a chat client sends reaches every other client exactly once and in order") {
  run_in([] {
    io_test::ChatServer server;
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
    io_test::ChatServer server({"--tls", certs.file("server.pem"), certs.file("server.key")});
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
