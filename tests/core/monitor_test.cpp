#include "run_in.hpp"

#include <picos/picos.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

using picos_test::run_in;

namespace {
picos::MonitorStatus next_status() {
  auto message = picos::this_task::receive(std::chrono::seconds(10));
  REQUIRE(message.has_value());
  return std::move(*message).get<picos::MonitorStatus>();
}
}  // namespace

TEST_CASE("a monitor learns that a task finished, with its return value") {
  run_in([] {
    auto worker = picos::spawn([] {
      picos::this_task::suspend();
      return 12;
    });
    CHECK(picos::this_task::current().monitor(worker));
    picos::this_task::yield();
    worker.resume();
    auto status = next_status();
    CHECK(status.task == worker);
    CHECK(status.kind == picos::MonitorStatus::Kind::finished);
    CHECK(status.value.get<int>() == 12);
  });
}

TEST_CASE("a monitor learns that a task failed, with the exception type and message") {
  run_in([] {
    auto worker = picos::spawn([] {
      picos::this_task::suspend();
      throw std::out_of_range("index 7");
    });
    worker.notify(picos::this_task::current());
    picos::this_task::yield();
    worker.resume();
    auto status = next_status();
    CHECK(status.kind == picos::MonitorStatus::Kind::failed);
    CHECK(status.error_type == "std::out_of_range");
    CHECK(status.error_message == "index 7");
    CHECK(std::string(picos::to_string(status.kind)) == "failed");
  });
}

TEST_CASE("a monitor learns that a task was terminated, not that it finished") {
  run_in([] {
    auto worker = picos::spawn([] { picos::this_task::suspend(); });
    picos::this_task::current().monitor(worker);
    picos::this_task::yield();
    worker.terminate();
    CHECK(next_status().kind == picos::MonitorStatus::Kind::terminated);
  });
}

TEST_CASE("every monitor of a task is told, and monitoring an ended task fails") {
  run_in([] {
    auto worker = picos::spawn([] {
      picos::this_task::suspend();
      return std::string("done");
    });
    auto first = picos::spawn([] { return next_status().value.get<std::string>(); });
    auto second = picos::spawn([] { return next_status().value.get<std::string>(); });
    first.monitor(worker);
    second.monitor(worker);
    picos::this_task::yield();
    worker.resume();
    CHECK(first.finish().get<std::string>() == "done");
    CHECK(second.finish().get<std::string>() == "done");
    CHECK_FALSE(picos::this_task::current().monitor(worker));
  });
}

TEST_CASE("a monitor asked for from another scheduler learns of an end that came before its request arrived") {
  // The watched task keeps its scheduler's thread (it never parks) until it ends, so the monitor
  // request, posted to that scheduler while the task still runs, is read only after the end.
  std::atomic<bool> started{false};
  auto watched = picos::Scheduler::instance().spawn([&started] {
    started = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return 5;
  });
  run_in([&] {
    while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    REQUIRE(picos::this_task::current().monitor(watched));
    auto status = next_status();
    CHECK(status.task == watched);
    CHECK(status.kind == picos::MonitorStatus::Kind::finished);
    CHECK(status.value.get<int>() == 5);
  });
}
