#include "run_in.hpp"

#include <picos/picos.hpp>
#include <picos/sync.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using picos_test::run_in;

TEST_CASE("a consumer waits on a condition until a producer notifies it") {
  run_in([] {
    auto condition = std::make_shared<picos::Condition>();
    auto queue = std::make_shared<std::deque<int>>();
    auto consumer = picos::spawn([condition, queue] {
      int sum = 0;
      for (int taken = 0; taken < 20; ++taken) {
        std::unique_lock<picos::Condition> guard(*condition);
        condition->wait([&] { return !queue->empty(); });
        sum += queue->front();
        queue->pop_front();
      }
      return sum;
    });
    for (int i = 1; i <= 20; ++i) {
      {
        std::lock_guard<picos::Condition> guard(*condition);
        queue->push_back(i);
        condition->notify();
      }
      if (i % 3 == 0) picos::this_task::sleep(1ms);
    }
    CHECK(consumer.finish().get<int>() == 210);
  });
}

TEST_CASE("a wait that times out returns false with the lock re-acquired at its depth") {
  run_in([] {
    picos::Condition condition;
    condition.acquire();
    condition.acquire();
    const auto before = std::chrono::steady_clock::now();
    CHECK_FALSE(condition.wait(20ms));
    CHECK(std::chrono::steady_clock::now() - before >= 20ms);
    condition.release();
    condition.release();
    CHECK_THROWS_AS(condition.release(), picos::LockError);
  });
}

TEST_CASE("a timed-out waiter waits for the lock to be free before returning") {
  run_in([] {
    auto condition = std::make_shared<picos::Condition>();
    auto log = std::make_shared<std::string>();
    auto waiter = picos::spawn([condition, log] {
      std::unique_lock<picos::Condition> guard(*condition);
      const bool notified = condition->wait(5ms);
      *log += notified ? "notified" : "timeout";
    });
    picos::this_task::yield();
    condition->acquire();
    picos::this_task::sleep(30ms);  // the wait expires while this task holds the lock
    CHECK(log->empty());
    condition->release();
    waiter.finish();
    CHECK(*log == "timeout");
  });
}

TEST_CASE("a predicate wait gives up after its timeout with the predicate's last value") {
  run_in([] {
    picos::Condition condition;
    std::unique_lock<picos::Condition> guard(condition);
    int checks = 0;
    CHECK_FALSE(condition.wait([&] { return ++checks > 100; }, 10ms));
    CHECK(checks >= 2);
    CHECK(condition.wait([] { return true; }, 0ms));
  });
}

TEST_CASE("notify wakes the oldest waiters and notify_all wakes the rest") {
  run_in([] {
    auto condition = std::make_shared<picos::Condition>();
    auto order = std::make_shared<std::string>();
    std::vector<picos::Task> waiters;
    for (char name : std::string("abcd")) {
      waiters.push_back(picos::spawn([condition, order, name] {
        std::unique_lock<picos::Condition> guard(*condition);
        condition->wait();
        *order += name;
      }));
    }
    picos::this_task::yield();
    {
      std::lock_guard<picos::Condition> guard(*condition);
      condition->notify(2);
    }
    picos::this_task::sleep(5ms);
    CHECK(*order == "ab");
    {
      std::lock_guard<picos::Condition> guard(*condition);
      condition->notify_all();
    }
    for (auto& task : waiters) task.finish();
    CHECK(*order == "abcd");
  });
}

TEST_CASE("waiting or notifying without holding the condition's lock is an error") {
  run_in([] {
    picos::Condition condition;
    CHECK_THROWS_AS(condition.wait(1ms), picos::LockError);
    CHECK_THROWS_AS(condition.notify(), picos::LockError);
    CHECK_THROWS_AS(condition.notify_all(), picos::LockError);
  });
}

TEST_CASE("an exception raised into a waiting task propagates with the lock held again") {
  run_in([] {
    auto condition = std::make_shared<picos::Condition>();
    auto waiter = picos::spawn([condition] {
      std::unique_lock<picos::Condition> guard(*condition);
      try {
        condition->wait();
      } catch (const std::runtime_error&) {
        return guard.owns_lock() && condition->try_lock();  // re-entrant: held by us
      }
      return false;
    });
    picos::this_task::yield();
    waiter.raise(std::runtime_error("wake up"));
    CHECK(waiter.finish().get<bool>());
  });
}

TEST_CASE("terminating a task waiting on a condition unwinds it cleanly") {
  run_in([] {
    auto condition = std::make_shared<picos::Condition>();
    auto waiter = picos::spawn([condition] {
      std::unique_lock<picos::Condition> guard(*condition);
      condition->wait();
    });
    picos::this_task::yield();
    waiter.terminate();
    CHECK_THROWS_AS(waiter.finish(), picos::TaskTerminatedError);
    CHECK(condition->try_lock());
    condition->release();
  });
}
