#include "run_in.hpp"

#include <picos/picos.hpp>
#include <picos/receive.hpp>
#include <picos/sync.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using picos_test::run_in;
using picos_test::with_mode;

TEST_CASE("a lock keeps one task at a time in a section that blocks, in both stack modes") {
  for (auto mode : {picos::StackMode::dedicated, picos::StackMode::compact}) {
    run_in(with_mode(mode), [] {
      auto lock = std::make_shared<picos::Lock>();
      auto inside = std::make_shared<int>(0);
      auto most = std::make_shared<int>(0);
      std::vector<picos::Task> tasks;
      for (int i = 0; i < 10; ++i) {
        tasks.push_back(picos::spawn([lock, inside, most] {
          for (int round = 0; round < 3; ++round) {
            std::lock_guard<picos::Lock> guard(*lock);
            ++*inside;
            *most = std::max(*most, *inside);
            picos::this_task::sleep(1ms);
            --*inside;
          }
        }));
      }
      for (auto& task : tasks) task.finish();
      CHECK(*most == 1);
      CHECK_FALSE(lock->locked());
    });
  }
}

TEST_CASE("waiting tasks get the lock first come, first served") {
  run_in([] {
    auto lock = std::make_shared<picos::Lock>();
    auto order = std::make_shared<std::string>();
    lock->acquire();
    std::vector<picos::Task> tasks;
    for (char name : std::string("abcde")) {
      tasks.push_back(picos::spawn([lock, order, name] {
        lock->acquire();
        *order += name;
        picos::this_task::yield();
        lock->release();
      }));
      picos::this_task::yield();  // each one queues before the next is made
    }
    lock->release();
    for (auto& task : tasks) task.finish();
    CHECK(*order == "abcde");
  });
}

TEST_CASE("acquire gives up after its timeout and a zero timeout only tries") {
  run_in([] {
    auto lock = std::make_shared<picos::Lock>();
    auto holder = picos::spawn([lock] {
      lock->acquire();
      picos::this_task::suspend();
      lock->release();
    });
    picos::this_task::yield();
    CHECK(lock->locked());
    CHECK_FALSE(lock->try_lock());
    CHECK_FALSE(lock->acquire(0ms));
    const auto before = std::chrono::steady_clock::now();
    CHECK_FALSE(lock->acquire(20ms));
    CHECK(std::chrono::steady_clock::now() - before >= 20ms);
    holder.resume();
    CHECK(lock->acquire(1s));
    lock->release();
    holder.finish();
  });
}

TEST_CASE("releasing a lock the task does not hold is an error naming the task") {
  run_in([] {
    picos::this_task::set_name("intruder");
    picos::Lock lock;
    CHECK_THROWS_WITH_AS(lock.release(), doctest::Contains("intruder"), picos::LockError);
    auto owner = picos::spawn([&lock] {
      lock.acquire();
      picos::this_task::suspend();
      lock.release();
    });
    picos::this_task::yield();
    CHECK_THROWS_WITH_AS(lock.release(), doctest::Contains("held by task/"), picos::LockError);
    owner.resume();
    owner.finish();
  });
}

TEST_CASE("a task acquiring a Lock it holds gets an error instead of a deadlock") {
  run_in([] {
    picos::Lock lock;
    std::unique_lock<picos::Lock> guard(lock);
    CHECK_THROWS_WITH_AS(lock.acquire(), doctest::Contains("not re-entrant"), picos::LockError);
  });
}

TEST_CASE("lock calls from a plain thread fail loudly") {
  picos::Lock lock;
  CHECK_THROWS_AS(lock.acquire(), picos::WrongContext);
  CHECK_THROWS_AS(lock.release(), picos::WrongContext);
}

TEST_CASE("a lock in use by the tasks of one scheduler is refused to another scheduler's task") {
  picos::Lock lock;
  run_in([&lock] {
    lock.acquire();
    std::string error;
    std::thread other([&lock, &error] {
      picos_test::run_in([&lock, &error] {
        try {
          lock.acquire(0ms);
        } catch (const picos::WrongContext& e) {
          error = e.what();
        }
      });
    });
    other.join();  // blocks this scheduler briefly; fine in a test
    CHECK(error.find("another scheduler") != std::string::npos);
    lock.release();
  });
  run_in([&lock] {  // idle again: a later scheduler may use it
    CHECK(lock.acquire(0ms));
    lock.release();
  });
}

TEST_CASE("std::unique_lock and std::scoped_lock work with locks") {
  run_in([] {
    picos::Lock a;
    picos::RLock b;
    {
      std::scoped_lock both(a, b);
      CHECK(a.locked());
      CHECK(b.locked());
    }
    CHECK_FALSE(a.locked());
    std::unique_lock<picos::Lock> guard(a, std::try_to_lock);
    CHECK(guard.owns_lock());
  });
}

TEST_CASE("a lock handed to a waiter that is terminated before it runs passes on") {
  run_in([] {
    auto lock = std::make_shared<picos::Lock>();
    lock->acquire();
    auto doomed = picos::spawn([lock] {
      lock->acquire();
      lock->release();
    });
    auto next = picos::spawn([lock] {
      lock->acquire();
      lock->release();
      return true;
    });
    picos::this_task::yield();
    lock->release();    // hands the lock to `doomed`...
    doomed.terminate();  // ...which is unwound before it runs
    CHECK(next.finish().get<bool>());
    CHECK_FALSE(lock->locked());
  });
}

TEST_CASE("a monitor learns that a task blocked on a lock was terminated") {
  run_in([] {
    auto lock = std::make_shared<picos::Lock>();
    lock->acquire();
    auto blocked = picos::spawn([lock] { lock->acquire(); });
    picos::this_task::current().monitor(blocked);
    picos::this_task::yield();
    blocked.terminate();
    auto status = picos::this_task::receive_as<picos::MonitorStatus>(5s);
    REQUIRE(status.has_value());
    CHECK(status->kind == picos::MonitorStatus::Kind::terminated);
    lock->release();
    CHECK_FALSE(lock->locked());
  });
}

TEST_CASE("an RLock is re-entrant and released only by its last release") {
  run_in([] {
    auto lock = std::make_shared<picos::RLock>();
    lock->acquire();
    lock->acquire();
    CHECK(lock->depth() == 2);
    auto other = picos::spawn([lock] { return lock->acquire(0ms); });
    CHECK_FALSE(other.finish().get<bool>());
    lock->release();
    CHECK(lock->locked());
    auto waiter = picos::spawn([lock] {
      lock->acquire();
      lock->release();
      return true;
    });
    picos::this_task::yield();
    CHECK(waiter.is_alive());
    lock->release();
    CHECK(waiter.finish().get<bool>());
    CHECK_THROWS_AS(lock->release(), picos::LockError);
  });
}

TEST_CASE("a non-owner release inside a destructor during unwinding is logged, not thrown") {
  std::vector<std::string> lines;
  picos::set_log_sink([&](picos::LogLevel, const std::string& line) { lines.push_back(line); });
  run_in([] {
    picos::Lock lock;
    struct Releaser {
      picos::Lock& lock;
      ~Releaser() { lock.release(); }
    };
    try {
      Releaser releaser{lock};
      throw std::runtime_error("leaving");
    } catch (const std::runtime_error&) {
    }
  });
  picos::set_log_sink({});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("ignored while unwinding") != std::string::npos);
}

TEST_CASE("a thousand tasks that yield while holding one lock all get it in turn") {
  picos::Lock shared;  // outside every task, as the rules for compact stacks ask
  std::uint64_t acquisitions = 0;
  for (auto mode : {picos::StackMode::dedicated, picos::StackMode::compact}) {
    run_in([&] {
      picos::TaskOptions measured;
      measured.stack_mode = mode;
      std::vector<picos::Task> tasks;
      for (int t = 0; t < 1000; ++t) {
        tasks.push_back(picos::spawn(measured, [&shared, &acquisitions] {
          for (int i = 0; i < 3; ++i) {
            shared.acquire();
            ++acquisitions;
            picos::this_task::yield();
            shared.release();
          }
        }));
      }
      for (auto& task : tasks) task.finish();
    });
  }
  CHECK(acquisitions == 6000);
}
