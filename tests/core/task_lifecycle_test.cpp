#include "run_in.hpp"

#include <picos/picos.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using picos_test::run_in;

TEST_CASE("a task runs its function with the given arguments and keeps its return value") {
  picos::Task task;
  run_in([&] {
    task = picos::spawn([](int a, std::string b) { return b + std::to_string(a); }, 42, std::string("x"));
    CHECK(task.finish().get<std::string>() == "x42");
  });
  CHECK_FALSE(task.is_alive());
}

TEST_CASE("a task that returns void yields an empty value") {
  run_in([] {
    auto task = picos::spawn([] {});
    CHECK(task.finish().empty());
  });
}

TEST_CASE("tasks have unique ids and print as name/id") {
  run_in([] {
    picos::TaskOptions options;
    options.name = "worker";
    auto a = picos::spawn(options, [] {});
    auto b = picos::spawn([] {});
    CHECK(a.id() != b.id());
    CHECK(a.name() == "worker");
    std::ostringstream out;
    out << a;
    CHECK(out.str() == "worker/" + std::to_string(a.id()));
    CHECK(a != b);
    CHECK(a == picos::Task(a));
  });
}

TEST_CASE("the current task is known inside a task and empty on a plain thread") {
  CHECK_FALSE(picos::this_task::current().valid());
  CHECK_FALSE(picos::this_task::in_task());
  run_in([] {
    picos::Task self = picos::this_task::current();
    CHECK(self.valid());
    CHECK(self.is_alive());
    CHECK(picos::this_task::in_task());
  });
}

TEST_CASE("a task can rename itself") {
  run_in([] {
    picos::this_task::set_name("renamed");
    CHECK(picos::this_task::current().name() == "renamed");
  });
}

TEST_CASE("an exception escaping a task is logged and kept as its failure") {
  std::vector<std::string> lines;
  picos::set_log_sink([&](picos::LogLevel, const std::string& line) { lines.push_back(line); });
  run_in([] {
    auto task = picos::spawn([]() -> int { throw std::runtime_error("boom"); });
    CHECK_THROWS_WITH_AS(task.finish(), "boom", std::runtime_error);
    CHECK_FALSE(task.is_alive());
  });
  picos::set_log_sink({});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("failed with std::runtime_error: boom") != std::string::npos);
}

TEST_CASE("finish waits for another task and reports a timeout as std::errc::timed_out") {
  run_in([] {
    auto sleeper = picos::spawn([] { picos::this_task::sleep(200ms); return 5; });
    try {
      (void)sleeper.finish(10ms);
      FAIL("finish() should have timed out");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::timed_out);
    }
    CHECK(sleeper.finish(5s).get<int>() == 5);
  });
}

TEST_CASE("finish with a zero timeout on a live task times out at once") {
  run_in([] {
    auto sleeper = picos::spawn([] { picos::this_task::sleep(50ms); });
    CHECK_THROWS_AS(sleeper.finish(0ms), std::system_error);
    sleeper.terminate();
  });
}

TEST_CASE("a task cannot finish itself") {
  run_in([] { CHECK_THROWS_AS(picos::this_task::current().finish(), picos::WrongContext); });
}

TEST_CASE("several tasks may finish() the same task and all get its value") {
  run_in([] {
    auto target = picos::spawn([] { picos::this_task::sleep(5ms); return 9; });
    std::vector<picos::Task> waiters;
    for (int i = 0; i < 5; ++i) waiters.push_back(picos::spawn([target] { return target.finish().get<int>(); }));
    for (auto& waiter : waiters) CHECK(waiter.finish().get<int>() == 9);
  });
}

TEST_CASE("a task of one scheduler can finish() a task of another scheduler") {
  picos::Scheduler other;
  std::atomic<bool> release{false};
  auto remote = other.spawn([&] {
    while (!release.load()) picos::this_task::sleep(1ms);
    return 77;
  });
  std::thread other_loop([&] { other.run(); });
  run_in([&] {
    auto releaser = picos::spawn([&] {
      picos::this_task::sleep(10ms);
      release = true;
    });
    CHECK(remote.finish(10s).get<int>() == 77);
    releaser.finish();
  });
  other_loop.join();
}

TEST_CASE("many tasks run in the order they were made ready") {
  std::vector<int> order;
  run_in([&] {
    for (int i = 0; i < 10; ++i) picos::spawn([&order, i] { order.push_back(i); });
  });
  std::vector<int> expected{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  CHECK(order == expected);
}

TEST_CASE("yield lets the other ready tasks run") {
  std::vector<std::string> trace;
  run_in([&] {
    auto other = picos::spawn([&] { trace.push_back("other"); });
    trace.push_back("before");
    picos::this_task::yield();
    trace.push_back("after");
    other.finish();
  });
  CHECK(trace == std::vector<std::string>{"before", "other", "after"});
}

TEST_CASE("a task blocking inside a catch block keeps its own exception while others throw") {
  run_in([] {
    auto catcher = [](int id) {
      try {
        throw std::runtime_error("error " + std::to_string(id));
      } catch (const std::exception&) {
        CHECK(std::current_exception() != nullptr);
        picos::this_task::sleep(std::chrono::milliseconds(5 - id));
        try {
          throw;
        } catch (const std::runtime_error& again) {
          return std::string(again.what());
        }
      }
    };
    auto a = picos::spawn(catcher, 1);
    auto b = picos::spawn(catcher, 2);
    auto c = picos::spawn(catcher, 3);
    CHECK(a.finish().get<std::string>() == "error 1");
    CHECK(b.finish().get<std::string>() == "error 2");
    CHECK(c.finish().get<std::string>() == "error 3");
    CHECK(std::current_exception() == nullptr);
    CHECK(std::uncaught_exceptions() == 0);
  });
}

TEST_CASE("tasks with a chosen stack size run deep recursion") {
  run_in([] {
    picos::TaskOptions options;
    options.stack_size = 1 << 20;
    auto task = picos::spawn(options, [] {
      auto depth = [](auto& self, int n) -> int {
        volatile char pad[512];
        pad[0] = static_cast<char>(n);
        return n == 0 ? pad[0] : 1 + self(self, n - 1);
      };
      return depth(depth, 1000);
    });
    CHECK(task.finish().get<int>() == 1000);
  });
}
