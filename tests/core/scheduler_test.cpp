#include "run_in.hpp"

#include <picos/picos.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <chrono>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using picos_test::run_in;

TEST_CASE("the default scheduler runs tasks on its own thread while the main thread waits") {
  const auto main_thread = std::this_thread::get_id();
  auto task = picos::spawn([main_thread] { return std::this_thread::get_id() != main_thread; });
  CHECK(task.value(10s).get<bool>());
  CHECK(picos::Scheduler::instance().join(10s));
}

TEST_CASE("value from a thread reports a timeout as std::errc::timed_out") {
  auto task = picos::spawn([] { picos::this_task::sleep(300ms); });
  try {
    (void)task.value(5ms);
    FAIL("value() should have timed out");
  } catch (const std::system_error& error) {
    CHECK(error.code() == std::errc::timed_out);
  }
  task.terminate();
  CHECK_THROWS_AS(task.value(10s), picos::TaskTerminatedError);
}

TEST_CASE("value and join called from inside a task throw WrongContext instead of deadlocking") {
  auto task = picos::spawn([] {
    auto other = picos::spawn([] { return 1; });
    bool value_refused = false;
    bool join_refused = false;
    try {
      (void)other.value();
    } catch (const picos::WrongContext&) {
      value_refused = true;
    }
    try {
      (void)picos::Scheduler::current().join();
    } catch (const picos::WrongContext&) {
      join_refused = true;
    }
    return value_refused && join_refused;
  });
  CHECK(task.value(10s).get<bool>());
}

TEST_CASE("join returns false while a non-daemon task runs and true once only daemons remain") {
  auto& scheduler = picos::Scheduler::instance();
  REQUIRE(scheduler.join(10s));
  auto daemon = picos::spawn(picos::TaskOptions{"daemon", {}, 0, true}, [] { picos::this_task::suspend(); });
  auto worker = picos::spawn([] { picos::this_task::sleep(100ms); });
  CHECK_FALSE(scheduler.join(5ms));
  CHECK(scheduler.join(10s));
  CHECK(daemon.is_alive());
  daemon.terminate();
}

TEST_CASE("a task can make itself a daemon so that run() no longer waits for it") {
  picos::Scheduler scheduler;
  auto task = scheduler.spawn([] {
    picos::this_task::set_daemon();
    picos::this_task::suspend();
  });
  scheduler.run();
  CHECK(task.is_alive());
}

TEST_CASE("spawn, send, resume and terminate are safe from many threads at once") {
  picos::Scheduler scheduler;
  std::atomic<int> received{0};
  auto sink = scheduler.spawn([&] {
    while (received < 4000) {
      (void)picos::this_task::receive();
      ++received;
    }
  });
  std::vector<std::thread> threads;
  std::atomic<int> spawned_ran{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        sink.send(picos::Message(i));
        if (i % 10 == 0) scheduler.spawn([&] { ++spawned_ran; });
      }
    });
  }
  std::thread loop([&] { scheduler.run(); });
  for (auto& thread : threads) thread.join();
  loop.join();  // run() returns once everything, including late spawns, has ended
  CHECK(received == 4000);
  CHECK(spawned_ran == 400);
}

TEST_CASE("resume and terminate from another thread reach a suspended task") {
  // The flag is set right before suspend(); requests from threads are handled only after the task
  // has switched out, so once the flag is seen the resume cannot arrive too early.
  auto parked = std::make_shared<std::atomic<bool>>(false);
  auto sleeper = picos::spawn([parked] {
    parked->store(true);
    return picos::this_task::suspend().get<int>();
  });
  while (!parked->load()) std::this_thread::sleep_for(1ms);
  CHECK(sleeper.resume(picos::Message(21)));
  CHECK(sleeper.value(10s).get<int>() == 21);

  auto victim = picos::spawn([] { picos::this_task::suspend(); });
  CHECK(victim.terminate());
  CHECK_THROWS_AS(victim.value(10s), picos::TaskTerminatedError);
}

TEST_CASE("finish runs atexit callbacks by priority and a new default scheduler can follow") {
  auto& first = picos::Scheduler::instance();
  std::vector<int> order;
  first.atexit(1, [&] { order.push_back(1); });
  first.atexit(5, [&] { order.push_back(5); });
  const auto dropped = first.atexit(3, [&] { order.push_back(3); });
  first.atexit(1, [&] { order.push_back(11); });
  CHECK(first.drop_atexit(dropped));
  CHECK_FALSE(first.drop_atexit(dropped));
  bool finished_before_exit = false;
  auto task = picos::spawn([&] {
    picos::this_task::sleep(10ms);
    finished_before_exit = order.empty();
  });
  first.finish();
  CHECK(finished_before_exit);
  CHECK(order == std::vector<int>{5, 1, 11});
  CHECK_FALSE(task.is_alive());
  CHECK_THROWS_AS(first.spawn([] {}), picos::SchedulerStopped);

  auto& second = picos::Scheduler::instance();
  CHECK(&second != &first);
  CHECK(picos::spawn([] { return 2; }).value(10s).get<int>() == 2);
}

TEST_CASE("terminate of the default scheduler unwinds tasks without waiting for them") {
  auto& scheduler = picos::Scheduler::instance();
  auto forever = picos::spawn([] { picos::this_task::suspend(); });
  scheduler.terminate();
  CHECK_FALSE(forever.is_alive());
  CHECK_THROWS_AS(forever.value(1s), picos::TaskTerminatedError);
}

TEST_CASE("run is refused from inside a task and on the default scheduler") {
  CHECK_THROWS_AS(picos::Scheduler::instance().run(), picos::WrongContext);
  run_in([] { CHECK_THROWS_AS(picos::Scheduler::current().run(), picos::WrongContext); });
}

TEST_CASE("an unknown poller name is refused with the list of available ones") {
  picos::SchedulerOptions options;
  options.poller = "no-such-poller";
  CHECK_THROWS_WITH_AS(picos::Scheduler{options}, doctest::Contains("available"), std::invalid_argument);
}
