#include "core/scheduler_core.hpp"
#include "core/timer_heap.hpp"
#include "run_in.hpp"

#include <picos/picos.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <vector>

using namespace std::chrono_literals;
using picos_test::run_in;

TEST_CASE("the timer heap pops deadlines in order and removes cancelled ones in place") {
  picos::detail::TimerHeap heap;
  constexpr std::size_t count = 1000000;
  std::vector<std::unique_ptr<picos::detail::TaskControl>> tasks;
  tasks.reserve(count);
  std::mt19937_64 random(7);
  for (std::size_t i = 0; i < count; ++i) {
    tasks.push_back(std::make_unique<picos::detail::TaskControl>());
    tasks.back()->deadline = static_cast<std::int64_t>(random() % 1000000000);
    heap.push(tasks.back().get());
  }
  CHECK(heap.size() == count);
  for (std::size_t i = 0; i < count; i += 2) heap.remove(tasks[i].get());
  CHECK(heap.size() == count / 2);
  std::int64_t last = -1;
  std::size_t popped = 0;
  while (auto* task = heap.pop_expired(INT64_MAX - 1)) {
    CHECK(task->deadline >= last);
    last = task->deadline;
    ++popped;
  }
  CHECK(popped == count / 2);
  CHECK(heap.empty());
}

TEST_CASE("sleeping tasks wake in deadline order") {
  std::vector<int> order;
  run_in([&] {
    for (int ms : {30, 10, 20}) {
      picos::spawn([&order, ms] {
        picos::this_task::sleep(std::chrono::milliseconds(ms));
        order.push_back(ms);
      });
    }
  });
  CHECK(order == std::vector<int>{10, 20, 30});
}

TEST_CASE("waits that end early leave no timer behind") {
  picos::Scheduler scheduler;
  scheduler.spawn([] {
    std::vector<picos::Task> sleepers;
    for (int i = 0; i < 1000; ++i) sleepers.push_back(picos::spawn([] { picos::this_task::sleep(1h); }));
    picos::this_task::yield();
    for (auto& sleeper : sleepers) sleeper.resume();
    for (auto& sleeper : sleepers) sleeper.finish();
  });
  scheduler.run();
  CHECK(scheduler.core().pending_timers() == 0);
}

TEST_CASE("Timeout converts any duration and saturates huge ones to no limit") {
  picos::Timeout none;
  CHECK(none.is_infinite());
  picos::Timeout half = 500ms;
  CHECK(half.duration() == 500ms);
  picos::Timeout negative = -3s;
  CHECK(negative.duration() == 0ns);
  picos::Timeout huge = std::chrono::hours(24 * 365 * 1000000LL);
  CHECK(huge.is_infinite());
}
