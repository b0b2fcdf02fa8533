#include "run_in.hpp"

#include <picos/picos.hpp>
#include <picos/thread_pool.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using picos_test::run_in;

TEST_CASE("a thread pool job returns its value to the waiting task") {
  picos::ThreadPool pool(2);
  run_in([&pool] {
    CHECK(pool.run([](int a, int b) { return a + b; }, 2, 3) == 5);
    CHECK(pool.run([] { return std::string("text"); }) == "text");
    pool.run([] {});
  });
}

TEST_CASE("a thread pool job's exception is rethrown in the waiting task") {
  picos::ThreadPool pool(1);
  run_in([&pool] {
    CHECK_THROWS_WITH_AS(pool.run([]() -> int { throw std::runtime_error("boom"); }), "boom", std::runtime_error);
  });
}

TEST_CASE("other tasks keep running while a task waits for a blocking job") {
  picos::ThreadPool pool(1);
  run_in([&pool] {
    int ticks = 0;
    auto ticker = picos::spawn([&ticks] {
      for (int i = 0; i < 5; ++i) {
        picos::this_task::sleep(5ms);
        ++ticks;
      }
    });
    pool.run([] { std::this_thread::sleep_for(200ms); });
    ticker.finish(10s);
    CHECK(ticks == 5);
  });
}

TEST_CASE("jobs run in FIFO order when every pool thread is busy") {
  picos::ThreadPool pool(1);
  std::mutex mutex;
  std::vector<int> order;
  run_in([&] {
    std::vector<picos::Task> tasks;
    for (int i = 0; i < 10; ++i) {
      tasks.push_back(picos::spawn([&, i] {
        pool.run([&, i] {
          std::this_thread::sleep_for(2ms);
          std::lock_guard<std::mutex> lock(mutex);
          order.push_back(i);
        });
      }));
    }
    for (auto& task : tasks) task.finish(30s);
  });
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST_CASE("a plain thread may use the pool and join it; jobs after join are refused") {
  picos::ThreadPool pool(2);
  CHECK(pool.run([] { return 7; }) == 7);
  pool.join();
  CHECK_THROWS_AS(pool.run([] { return 1; }), std::system_error);
}

TEST_CASE("terminating a pool cancels the queued jobs of waiting tasks") {
  auto pool = std::make_shared<picos::ThreadPool>(1);
  std::atomic<bool> release{false};
  std::atomic<int> cancelled{0};
  picos::Scheduler scheduler;
  scheduler.spawn([&] { pool->run([&] { while (!release) std::this_thread::sleep_for(1ms); }); });
  for (int i = 0; i < 3; ++i) {
    scheduler.spawn([&] {
      try {
        pool->run([] {});
      } catch (const std::system_error& error) {
        if (error.code() == std::errc::operation_canceled) ++cancelled;
      }
    });
  }
  std::thread stopper([&] {
    std::this_thread::sleep_for(50ms);
    std::thread terminator([&] { pool->terminate(); });
    std::this_thread::sleep_for(50ms);
    release = true;
    terminator.join();
  });
  scheduler.run();
  stopper.join();
  CHECK(cancelled == 3);
}

TEST_CASE("joining a pool from inside a task is refused") {
  picos::ThreadPool pool(1);
  run_in([&pool] { CHECK_THROWS_AS(pool.join(), picos::WrongContext); });
}
