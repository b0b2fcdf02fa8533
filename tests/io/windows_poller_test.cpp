// The Windows backends (iocp, select): which one a scheduler gets, and what the completion
// backend must get right beyond the socket tests every backend passes: cancelling an operation
// on a deadline, an interrupt or a close without losing data, readiness waits, and more sockets
// at once than select can watch.
#include "io_support.hpp"

#include "core/scheduler_core.hpp"
#include "io/io_ops.hpp"

#include <picos/picos.hpp>
#include <picos/socket.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using picos_test::run_in;

namespace {

picos::SchedulerOptions using_backend(std::string name) {
  picos::SchedulerOptions options;
  options.poller = std::move(name);
  return options;
}

// The backend under test: the one PICOS_POLLER names, else the default.
picos::SchedulerOptions under_test() { return using_backend(io_test::backend()); }

template <class Call>
void expect_error(Call&& call, std::errc expected) {
  try {
    call();
    FAIL("no error");
  } catch (const std::system_error& error) {
    CHECK(error.code() == expected);
  }
}

}  // namespace

TEST_CASE("a Windows scheduler runs iocp by default and select or iocp when named") {
  {
    picos::Scheduler scheduler;
    const std::string chosen = io_test::backend();
    CHECK(std::string(scheduler.poller_name()) == (chosen.empty() ? "iocp" : chosen));
  }
  for (const char* name : {"iocp", "select"}) {
    picos::Scheduler scheduler(using_backend(name));
    CHECK(std::string(scheduler.poller_name()) == name);
  }
  try {
    picos::Scheduler scheduler(using_backend("epoll"));
    FAIL("no error");
  } catch (const std::invalid_argument& error) {
    CHECK(std::string(error.what()).find("available: iocp, select") != std::string::npos);
  }
}

TEST_CASE("a receive cut off by its deadline loses no data that arrives afterwards") {
  run_in(under_test(), [] {
    auto [client, server] = io_test::tcp_pair();
    for (int round = 0; round < 5; ++round) {
      expect_error([&] { (void)server.recv(10, 20ms); }, std::errc::timed_out);
      const std::string text = "round " + std::to_string(round);
      client.sendall(text);
      CHECK(server.recvall(text.size(), 10s) == text);
    }
    auto udp = picos::UdpSocket::bind(picos::SocketAddress::loopback(0));
    auto sender = picos::UdpSocket::bind(picos::SocketAddress::loopback(0));
    expect_error([&] { (void)udp.recvfrom(100, 20ms); }, std::errc::timed_out);
    sender.sendto("datagram", udp.local_address());
    CHECK(udp.recvfrom(100, 10s).first == "datagram");
  });
}

TEST_CASE("terminating a task parked in a receive cancels it and the socket keeps working") {
  run_in(under_test(), [] {
    auto [client, server] = io_test::tcp_pair();
    bool unwound = false;
    auto reader = picos::spawn([&server, &unwound] {
      struct Mark {
        bool& flag;
        ~Mark() { flag = true; }
      } mark{unwound};
      (void)server.recv(10);
    });
    picos::this_task::sleep(20ms);
    reader.terminate();
    CHECK_THROWS_AS((void)reader.finish(10s), picos::TaskTerminatedError);
    CHECK(unwound);
    client.sendall("after");
    CHECK(server.recvall(5, 10s) == "after");
  });
}

TEST_CASE("closing a listener wakes the task parked in accept with operation_canceled") {
  run_in(under_test(), [] {
    auto listener = std::make_shared<picos::TcpListener>(picos::TcpListener::bind(picos::SocketAddress::loopback(0)));
    bool canceled = false;
    auto acceptor = picos::spawn([listener, &canceled] {
      try {
        (void)listener->accept();
      } catch (const std::system_error& error) {
        canceled = error.code() == std::errc::operation_canceled;
      }
    });
    picos::this_task::sleep(20ms);
    listener->close();
    (void)acceptor.finish(10s);
    CHECK(canceled);
  });
}

TEST_CASE("a readiness wait on a socket returns when data arrives and honours its deadline") {
  run_in(under_test(), [] {
    auto [client, server] = io_test::tcp_pair();
    auto handle = picos::detail::make_handle(server.native_handle(), true);
    // `handle` shares server's socket only for the wait; server closes it.
    expect_error(
        [&] {
          picos::detail::io_wait(*handle, false, picos::detail::Interest::readable, picos::detail::deadline_after(30ms));
        },
        std::errc::timed_out);
    auto writer = picos::spawn([&client] {
      picos::this_task::sleep(20ms);
      client.sendall("x");
    });
    picos::detail::io_wait(*handle, false, picos::detail::Interest::readable, picos::detail::deadline_after(10s));
    picos::detail::io_wait(*handle, false, picos::detail::Interest::writable, picos::detail::deadline_after(10s));
    (void)writer.finish(10s);
    CHECK(server.recv(1, 10s) == "x");
    handle->core->poller().unbind(*handle);
  });
}

TEST_CASE("iocp serves more sockets at once than select can watch") {
  run_in(using_backend("iocp"), [] {
    constexpr int pairs = 520;  // 1,040 sockets with a parked reader each; select stops at 1,023
    auto listener = picos::TcpListener::bind(picos::SocketAddress::loopback(0));
    std::vector<std::shared_ptr<picos::TcpStream>> ends;
    for (int i = 0; i < pairs; ++i) {
      ends.push_back(std::make_shared<picos::TcpStream>(picos::TcpStream::connect(listener.local_address(), 10s)));
      ends.push_back(std::make_shared<picos::TcpStream>(listener.accept(10s)));
    }
    int received = 0;
    std::vector<picos::Task> readers;
    for (auto& end : ends) {
      readers.push_back(picos::spawn([end, &received] {
        if (end->recv(1, 60s) == "p") ++received;
      }));
    }
    picos::this_task::sleep(50ms);  // every reader is parked now
    for (std::size_t i = 0; i < ends.size(); i += 2) {
      ends[i].get()->sendall("p");
      ends[i + 1].get()->sendall("p");
    }
    for (auto& reader : readers) (void)reader.finish(60s);
    CHECK(received == 2 * pairs);
  });
}

TEST_CASE("another thread wakes a scheduler that waits for a completion") {
  run_in(under_test(), [] {
    picos::Scheduler& here = picos::Scheduler::current();
    auto now_ns = [] { return std::chrono::steady_clock::now().time_since_epoch().count(); };
    std::atomic<std::int64_t> spawned_at{0};
    std::atomic<std::int64_t> ran_at{0};
    std::thread other([&] {
      std::this_thread::sleep_for(50ms);
      spawned_at = now_ns();
      (void)here.spawn([&] { ran_at = now_ns(); });
    });
    auto [client, server] = io_test::tcp_pair();
    // The only task parks here, so the scheduler waits in its poller until the deadline unless
    // the spawn from the other thread wakes it.
    expect_error([&] { (void)server.recv(1, 3s); }, std::errc::timed_out);
    other.join();
    REQUIRE(ran_at.load() != 0);
    CHECK(std::chrono::steady_clock::duration(ran_at.load() - spawned_at.load()) < 1s);
  });
}
