// The Windows backends (iocp, select): which one a scheduler gets, and what the completion
// backend must get right beyond the socket tests every backend passes: cancelling an operation
// on a deadline, an interrupt or a close without losing data, readiness waits, more sockets at
// once than select can watch, a socket moving on to a new scheduler, and overlapped pipes and
// files through the operation API (AsyncFile and Subprocess have their own tests).
#include "io_support.hpp"

#include "core/scheduler_core.hpp"
#include "io/io_ops.hpp"
#include "poller/winsock.hpp"

#include <picos/picos.hpp>
#include <picos/socket.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
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

TEST_CASE("a socket used by the tasks of a finished scheduler works with the next one") {
  std::optional<picos::TcpStream> client;
  std::optional<picos::TcpStream> server;
  run_in(under_test(), [&] {
    auto [one, other] = io_test::tcp_pair();
    one.sendall("1");
    CHECK(other.recv(1, 10s) == "1");
    client.emplace(std::move(one));
    server.emplace(std::move(other));
  });
  // iocp moves the socket to the new completion port (FileReplaceCompletionInformation, Windows
  // 8.1 and later); Wine 8 does not implement that, so there the move must fail loudly instead of
  // leaving the completions with the old, dead port.
  const bool refused = io_test::backend() != "select" && io_test::running_under_wine();
  run_in(under_test(), [&] {
    if (refused) {
      try {
        client->sendall("2");
        FAIL("no error");
      } catch (const std::system_error& error) {
        CHECK(error.code() == std::errc::invalid_argument);
        CHECK(std::string(error.what()).find("earlier scheduler") != std::string::npos);
      }
      return;
    }
    client->sendall("2");
    CHECK(server->recv(1, 10s) == "2");
    server->sendall("3");
    CHECK(client->recv(1, 10s) == "3");
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

namespace {

std::shared_ptr<picos::detail::IoHandle> file_handle(int fd) {
  return picos::detail::make_handle(fd, false);
}

std::shared_ptr<picos::detail::IoHandle> file_handle(HANDLE native) { return file_handle(picos::detail::as_fd(native)); }

}  // namespace

TEST_CASE("iocp reads a pipe opened for overlapped I/O until its writer closes it, with deadlines") {
  run_in(using_backend("iocp"), [] {
    auto [reader_native, writer_native] = io_test::overlapped_pipe();
    auto reader = file_handle(reader_native);
    auto writer = file_handle(writer_native);
    char buffer[16] = {};
    expect_error(
        [&] {
          (void)picos::detail::io_read(*reader, false, buffer, sizeof buffer, picos::detail::deadline_after(30ms));
        },
        std::errc::timed_out);
    auto producer = picos::spawn([&writer] {
      picos::this_task::sleep(20ms);
      CHECK(picos::detail::io_write(*writer, false, "hello", 5, picos::detail::no_deadline) == 5);
      picos::detail::close_handle(writer);
    });
    std::string got;
    while (true) {
      const std::size_t n =
          picos::detail::io_read(*reader, false, buffer, sizeof buffer, picos::detail::deadline_after(10s));
      if (n == 0) break;
      got.append(buffer, n);
    }
    CHECK(got == "hello");
    (void)producer.finish(10s);
    picos::detail::close_handle(reader);
  });
}

TEST_CASE("closing a pipe wakes the task parked in its read with operation_canceled") {
  run_in(using_backend("iocp"), [] {
    auto [reader_native, writer_native] = io_test::overlapped_pipe();
    auto reader = file_handle(reader_native);
    bool canceled = false;
    auto parked = picos::spawn([&reader, &canceled] {
      char byte = 0;
      try {
        (void)picos::detail::io_read(*reader, false, &byte, 1, picos::detail::no_deadline);
      } catch (const std::system_error& error) {
        canceled = error.code() == std::errc::operation_canceled;
      }
    });
    picos::this_task::sleep(20ms);
    picos::detail::close_handle(reader);
    (void)parked.finish(10s);
    CHECK(canceled);
    ::CloseHandle(picos::detail::as_handle(writer_native));
  });
}

TEST_CASE("iocp writes and reads a file at offsets and reads nothing past its end") {
  run_in(using_backend("iocp"), [] {
    wchar_t directory[MAX_PATH];
    wchar_t path[MAX_PATH];
    REQUIRE(::GetTempPathW(MAX_PATH, directory) != 0);
    REQUIRE(::GetTempFileNameW(directory, L"pic", 0, path) != 0);
    const DWORD flags = FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE | FILE_FLAG_OVERLAPPED;
    const HANDLE native =
        ::CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, flags, nullptr);
    REQUIRE(native != INVALID_HANDLE_VALUE);
    auto file = file_handle(native);
    picos::detail::Poller& poller = picos::detail::SchedulerCore::on_this_thread()->poller();
    REQUIRE(poller.async_files());
    (void)picos::detail::poller_for(*file, false);
    CHECK(poller.write_at(*file, "abcdef", 6, 0, picos::detail::no_deadline) == 6);
    CHECK(poller.write_at(*file, "XY", 2, 2, picos::detail::no_deadline) == 2);
    char buffer[16] = {};
    CHECK(poller.read_at(*file, buffer, sizeof buffer, 0, picos::detail::no_deadline) == 6);
    CHECK(std::string(buffer, 6) == "abXYef");
    CHECK(poller.read_at(*file, buffer, 2, 4, picos::detail::no_deadline) == 2);
    CHECK(std::string(buffer, 2) == "ef");
    CHECK(poller.read_at(*file, buffer, sizeof buffer, 100, picos::detail::no_deadline) == 0);
    picos::detail::close_handle(file);
  });
}

TEST_CASE("select refuses pipes on Windows with operation_not_supported") {
  run_in(using_backend("select"), [] {
    auto [reader_native, writer_native] = io_test::overlapped_pipe();
    auto reader = file_handle(reader_native);
    char byte = 0;
    expect_error(
        [&] { (void)picos::detail::io_read(*reader, false, &byte, 1, picos::detail::deadline_after(10s)); },
        std::errc::operation_not_supported);
    picos::detail::close_handle(reader);
    ::CloseHandle(picos::detail::as_handle(writer_native));
  });
}
