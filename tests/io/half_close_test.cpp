// A peer's last line and its half-close (FIN) must reach a reader task however the readiness
// events and the tasks on the socket interleave: a writer parked on the same fd, edges that arrive
// while no task waits, and many short connect/send/half-close rounds like the chat example's
// clients make. Every wait is bounded, so a lost wake-up fails the test instead of hanging it.
#include "io_support.hpp"

#include <picos/picos.hpp>
#include <picos/socket.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

using namespace std::chrono_literals;
using picos_test::run_in;

TEST_CASE("a half-close reaches a reader while a writer task is parked on the same socket") {
  run_in([] {
    auto [client, server] = io_test::tcp_pair();
    const std::string bulk(16 << 20, 'b');  // far more than the socket buffers hold: the writer parks
    std::size_t sent = 0;
    auto writer = picos::spawn([&server, &bulk, &sent] {
      while (sent < bulk.size()) sent += server.send(std::string_view(bulk).substr(sent), 30s);
    });
    std::string line;
    std::string end = "not reached";
    auto reader = picos::spawn([&server, &line, &end] {
      line = server.recv_line(1000, 10s);
      end = server.recv_line(1000, 10s);
    });
    picos::this_task::sleep(30ms);  // both tasks are parked now: one per direction
    REQUIRE(sent < bulk.size());
    client.sendall("x1\n");
    client.shutdown(picos::ShutdownHow::write);
    reader.finish(20s);
    CHECK(line == "x1\n");
    CHECK(end.empty());
    CHECK(client.recvall(bulk.size(), 30s).size() == bulk.size());
    writer.finish(20s);
    CHECK(sent == bulk.size());
  });
}

TEST_CASE("data and a half-close that arrive while no task waits on the socket are not lost") {
  run_in([] {
    auto [client, server] = io_test::tcp_pair();
    std::string first;
    std::string second;
    std::string end = "not reached";
    bool busy = false;
    auto reader = picos::spawn([&] {
      first = server.recv_line(1000, 10s);  // parks: the fd is watched from here on
      busy = true;
      picos::this_task::sleep(50ms);  // the next edges come now, with no task waiting
      busy = false;
      second = server.recv_line(1000, 10s);
      end = server.recv_line(1000, 10s);
    });
    picos::this_task::sleep(20ms);
    client.sendall("one\n");
    while (!busy) picos::this_task::sleep(1ms);
    client.sendall("two\n");
    client.shutdown(picos::ShutdownHow::write);
    reader.finish(20s);
    CHECK(first == "one\n");
    CHECK(second == "two\n");
    CHECK(end.empty());
  });
}

TEST_CASE("many connect, send, half-close rounds all end with the server closing") {
  // The server side works like the chat example: per connection a reader task in recv_line and a
  // writer task parked in receive(); the clients are a plain thread, so their timing is free.
  constexpr int rounds = 300;
  picos::Scheduler scheduler;
  std::uint16_t port = 0;
  int served = 0;
  int failures = 0;
  auto listener = std::make_shared<picos::TcpListener>(picos::TcpListener::bind(picos::SocketAddress::loopback(0)));
  port = listener->local_address().port();
  scheduler.spawn([listener, &served, &failures] {
    for (int i = 0; i < rounds; ++i) {
      auto stream = std::make_shared<picos::TcpStream>(listener->accept(30s));
      picos::spawn([stream, &served, &failures] {
        auto writer = picos::spawn([stream] {
          while (true) {
            picos::Message message = picos::this_task::receive();
            if (!message.is<std::string>()) break;
            stream->sendall(message.get<std::string>(), 10s);
          }
        });
        try {
          while (!stream->recv_line(1000, 10s).empty()) {
          }
        } catch (const std::exception&) {
          ++failures;
        }
        writer.send(picos::Message(false));
        writer.finish(10s);
        stream->close();
        ++served;
      });
    }
  });
  std::thread clients([port] {
    for (int i = 0; i < rounds; ++i) {
      try {
        auto stream = picos::TcpStream::connect(picos::SocketAddress::loopback(port), 10s);
        stream.sendall("x" + std::to_string(i) + "\n", 10s);
        stream.shutdown(picos::ShutdownHow::write);
        CHECK(stream.recv(100, 10s).empty());  // the server closes once it has read the FIN
      } catch (const std::exception& error) {
        FAIL_CHECK("round " << i << ": " << error.what());
      }
    }
  });
  scheduler.run();
  clients.join();
  CHECK(served == rounds);
  CHECK(failures == 0);
}
