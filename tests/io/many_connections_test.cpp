#include "io_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <system_error>
#include <vector>

using namespace std::chrono_literals;
using picos_test::run_in;

TEST_CASE("one scheduler serves 1,000 concurrent connections") {
  io_test::raise_fd_limit();
  // select() cannot watch fds >= FD_SETSIZE: under it the test uses fewer connections (the
  // error itself is checked by the poller tests).
  const int connections = io_test::backend() == "select" ? 300 : 1000;
  run_in([connections] {
    auto listener = picos::TcpListener::bind(picos::SocketAddress::loopback(0), 2048);
    const auto address = listener.local_address();
    int served = 0;
    auto acceptor = picos::spawn([&] {
      std::vector<picos::Task> handlers;
      for (int i = 0; i < connections; ++i) {
        auto stream = listener.accept(60s);
        handlers.push_back(picos::spawn([&served, stream = std::move(stream)]() mutable {
          const std::string line = stream.recv_line(100, 60s);
          stream.sendall("echo " + line, 60s);
          ++served;
        }));
      }
      io_test::finish_all(handlers);
    });
    std::vector<picos::TcpStream> clients;
    clients.reserve(connections);
    for (int i = 0; i < connections; ++i) clients.push_back(picos::TcpStream::connect(address, 60s));
    // All connections are open at once; now every client talks.
    std::vector<picos::Task> talkers;
    int answered = 0;
    for (int i = 0; i < connections; ++i) {
      talkers.push_back(picos::spawn([&answered, &client = clients[i], i] {
        client.sendall(std::to_string(i) + "\n", 60s);
        if (client.recv_line(100, 60s) == "echo " + std::to_string(i) + "\n") ++answered;
      }));
    }
    talkers.push_back(acceptor);
    io_test::finish_all(talkers);
    CHECK(served == connections);
    CHECK(answered == connections);
  });
}
