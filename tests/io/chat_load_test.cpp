// Load: the chat_sock_server example with 10,000 clients connected at once. It runs only where
// PICOS_CHAT_LOAD is set (the `io-chat-10k` meson test, epoll and io_uring): select cannot watch
// fds >= FD_SETSIZE, poll rescans every fd per wait, and under the sanitizers the fan-out of
// 500,000 lines takes minutes on a 2-core machine.
#include "chat_support.hpp"
#include "io_support.hpp"

#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using picos_test::run_in;

namespace {

constexpr int client_count = 10000;
constexpr int sender_count = 10;  // clients 0, 1000, 2000, ... send
constexpr int lines_per_sender = 5;
constexpr int connect_batch = 100;  // below the server's listen backlog (128)

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("ten thousand chat clients stay connected and each receives every line exactly once and in order") {
  if (std::getenv("PICOS_CHAT_LOAD") == nullptr) {
    MESSAGE("skipped: the 10,000-client chat load runs as its own meson test io-chat-10k (epoll, io_uring)");
    return;
  }
  const std::uint64_t fd_limit = io_test::raise_fd_limit();  // the server, spawned below, inherits it
  if (fd_limit < client_count + 256) {
    MESSAGE("skipped: RLIMIT_NOFILE hard limit " << fd_limit << " is below 10,256 open files");
    return;
  }
  run_in([] {
    const auto start = std::chrono::steady_clock::now();
    io_test::ChatServer server;
    const auto address = picos::SocketAddress::loopback(server.port);
    std::vector<picos::TcpStream> clients;
    clients.reserve(client_count);
    while (clients.size() < static_cast<std::size_t>(client_count)) {
      for (int i = 0; i < connect_batch; ++i) clients.push_back(picos::TcpStream::connect(address, 30s));
      server.wait_online(static_cast<int>(clients.size()));  // also keeps the server's stderr pipe drained
    }
    MESSAGE("10,000 clients connected in " << seconds_since(start) << " s");

    // Every client reads until it has every line of every other sender; each line is checked
    // against the next number expected from its sender.
    const auto fan_out = std::chrono::steady_clock::now();
    int complete = 0;
    int wrong = 0;
    std::vector<picos::Task> tasks;
    tasks.reserve(client_count + sender_count);
    for (int i = 0; i < client_count; ++i) {
      tasks.push_back(picos::spawn([&, i] {
        const bool is_sender = i % (client_count / sender_count) == 0;
        const int expected = (sender_count - (is_sender ? 1 : 0)) * lines_per_sender;
        std::array<int, sender_count> next{};
        for (int n = 0; n < expected; ++n) {
          const std::string line = clients[static_cast<std::size_t>(i)].recv_line(100, 30s);
          const int sender = line.size() > 7 ? line[7] - '0' : -1;
          if (sender < 0 || sender >= sender_count || sender * (client_count / sender_count) == i ||
              line != "sender " + std::to_string(sender) + " line " + std::to_string(next[static_cast<std::size_t>(sender)]) + "\n") {
            ++wrong;
            return;
          }
          ++next[static_cast<std::size_t>(sender)];
        }
        ++complete;
      }));
    }
    for (int s = 0; s < sender_count; ++s) {
      tasks.push_back(picos::spawn([&, s] {
        auto& stream = clients[static_cast<std::size_t>(s * (client_count / sender_count))];
        for (int j = 0; j < lines_per_sender; ++j) {
          stream.sendall("sender " + std::to_string(s) + " line " + std::to_string(j) + "\n", 30s);
        }
      }));
    }
    io_test::finish_all(tasks);
    CHECK(wrong == 0);
    CHECK(complete == client_count);
    MESSAGE("every client read its " << (sender_count - 1) * lines_per_sender << "-" << sender_count * lines_per_sender
                                     << " lines in " << seconds_since(fan_out) << " s");

    // Everyone leaves; the server notes each departure, drops no one as slow, and still serves.
    const auto closing = std::chrono::steady_clock::now();
    for (auto& stream : clients) stream.close();
    int left = 0;
    int dropped = 0;
    while (left < client_count) {
      const std::string line = server.process.readline_stderr(30s);
      REQUIRE_FALSE(line.empty());
      if (line.find(" left") != std::string::npos) ++left;
      if (line.find("dropping") != std::string::npos) ++dropped;
    }
    CHECK(dropped == 0);
    MESSAGE("10,000 clients closed and noted by the server in " << seconds_since(closing) << " s");
    auto first = picos::TcpStream::connect(address, 30s);
    server.wait_online(1);
    auto second = picos::TcpStream::connect(address, 30s);
    server.wait_online(2);
    first.sendall("still serving\n", 30s);
    CHECK(second.recv_line(100, 30s) == "still serving\n");
    MESSAGE("whole test " << seconds_since(start) << " s");
  });
}
