// The poller backends through the scheduler: one table, the PICOS_POLLER choice, wake-ups,
// readiness waits with deadlines and the select() limit. Every case runs over every backend.
#include "run_in.hpp"

#include "core/scheduler_core.hpp"
#include "io/io_ops.hpp"
#include "poller/backends.hpp"

#include <picos/picos.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using picos_test::run_in;

namespace {

std::vector<std::string> backend_names() {
  std::vector<std::string> names;
  for (const auto& backend : picos::detail::poller_backends()) {
    if (backend.usable()) names.emplace_back(backend.name);
  }
  return names;
}

picos::SchedulerOptions using_backend(const std::string& name) {
  picos::SchedulerOptions options;
  options.poller = name;
  return options;
}

struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe() {
    if (write_end >= 0) ::close(write_end);
  }
};

}  // namespace

TEST_CASE("the backend table offers epoll, poll and select on Linux, and io_uring and kqueue when built") {
  const auto names = backend_names();
  CHECK(std::find(names.begin(), names.end(), "epoll") != names.end());
  CHECK(std::find(names.begin(), names.end(), "poll") != names.end());
  CHECK(std::find(names.begin(), names.end(), "select") != names.end());
#ifdef PICOS_HAVE_IO_URING
  CHECK(std::find(names.begin(), names.end(), "io_uring") != names.end());
#endif
#ifdef PICOS_HAVE_KQUEUE  // on Linux: the build against tests/kqueue_emulation
  CHECK(std::find(names.begin(), names.end(), "kqueue") != names.end());
#endif
}

TEST_CASE("a scheduler uses the backend it is given and refuses unknown names") {
  for (const auto& name : backend_names()) {
    picos::Scheduler scheduler(using_backend(name));
    CHECK(std::string(scheduler.poller_name()) == name);
  }
  try {
    picos::Scheduler scheduler(using_backend("kqueue-on-linux"));
    FAIL("no error");
  } catch (const std::invalid_argument& error) {
    CHECK(std::string(error.what()).find("available: epoll") != std::string::npos);
  }
}

TEST_CASE("every backend wakes a task when its pipe becomes readable and honours deadlines") {
  for (const auto& name : backend_names()) {
    CAPTURE(name);
    run_in(using_backend(name), [] {
      Pipe pipe;
      auto handle = picos::detail::make_handle(pipe.read_end, false);
      auto writer = picos::spawn([&pipe] {
        picos::this_task::sleep(20ms);
        CHECK(::write(pipe.write_end, "x", 1) == 1);
      });
      char byte = 0;
      CHECK(picos::detail::io_read(*handle, false, &byte, 1, picos::detail::no_deadline) == 1);
      CHECK(byte == 'x');
      writer.finish(10s);
      try {
        picos::detail::io_wait(*handle, false, picos::detail::Interest::readable,
                               picos::detail::deadline_after(30ms));
        FAIL("no timeout");
      } catch (const std::system_error& error) {
        CHECK(error.code() == std::errc::timed_out);
      }
      ::close(pipe.write_end);
      pipe.write_end = -1;
      CHECK(picos::detail::io_read(*handle, false, &byte, 1, picos::detail::deadline_after(10s)) == 0);
      picos::detail::close_handle(handle);
    });
  }
}

TEST_CASE("every backend returns from a blocking poll when another thread spawns a task") {
  for (const auto& name : backend_names()) {
    CAPTURE(name);
    picos::Scheduler scheduler(using_backend(name));
    bool ran = false;
    auto keeper = scheduler.spawn([] { picos::this_task::suspend(30s); });
    std::thread other([&] {
      std::this_thread::sleep_for(20ms);
      scheduler.spawn([&ran, keeper] {
        ran = true;
        keeper.resume();
      });
    });
    scheduler.run();
    other.join();
    CHECK(ran);
  }
}

TEST_CASE("the select backend refuses fds at or above FD_SETSIZE with a clear error") {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_max <= FD_SETSIZE + 8) return;  // cannot open such an fd here
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  run_in(using_backend("select"), [] {
    Pipe pipe;
    const int high = ::fcntl(pipe.read_end, F_DUPFD_CLOEXEC, FD_SETSIZE + 5);
    ::close(pipe.read_end);
    REQUIRE(high >= FD_SETSIZE);
    auto handle = picos::detail::make_handle(high, false);
    char byte = 0;
    try {
      (void)picos::detail::io_read(*handle, false, &byte, 1, picos::detail::deadline_after(1s));
      FAIL("no error");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::invalid_argument);
      CHECK(std::string(error.what()).find("FD_SETSIZE") != std::string::npos);
    }
    picos::detail::close_handle(handle);
  });
}

TEST_CASE("every backend ends a wait for writability at once when the pipe's reader has gone") {
  for (const auto& name : backend_names()) {
    CAPTURE(name);
    run_in(using_backend(name), [] {
      Pipe pipe;
      ::close(pipe.read_end);
      auto handle = picos::detail::make_handle(pipe.write_end, false);
      pipe.write_end = -1;  // the handle closes it
      const auto start = std::chrono::steady_clock::now();
      CHECK_NOTHROW(picos::detail::io_wait(*handle, false, picos::detail::Interest::writable,
                                           picos::detail::deadline_after(10s)));
      CHECK(std::chrono::steady_clock::now() - start < 5s);
      picos::detail::close_handle(handle);
    });
  }
}

TEST_CASE("a terminated task waiting for I/O unwinds and leaves the backend idle") {
  for (const auto& name : backend_names()) {
    CAPTURE(name);
    picos::Scheduler scheduler(using_backend(name));
    Pipe pipe;
    auto handle = picos::detail::make_handle(pipe.read_end, false);
    bool unwound = false;
    auto reader = scheduler.spawn([&] {
      struct Flag {
        bool& flag;
        ~Flag() { flag = true; }
      } flag{unwound};
      char byte = 0;
      (void)picos::detail::io_read(*handle, false, &byte, 1, picos::detail::no_deadline);
    });
    scheduler.spawn([reader] {
      picos::this_task::sleep(20ms);
      reader.terminate();
    });
    scheduler.run();
    CHECK(unwound);
    CHECK(scheduler.core().poller().idle());
    picos::detail::close_handle(handle);
  }
}
