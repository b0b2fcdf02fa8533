#include "run_in.hpp"

#include <picos/picos.hpp>
#include <picos/sync.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using picos_test::run_in;

TEST_CASE("setting an event wakes every waiting task") {
  run_in([] {
    auto event = std::make_shared<picos::Event>();
    std::vector<picos::Task> waiters;
    for (int i = 0; i < 5; ++i) waiters.push_back(picos::spawn([event] { return event->wait(5s); }));
    picos::this_task::yield();
    CHECK_FALSE(event->is_set());
    event->set();
    event->clear();  // waiters that were woken still report true
    for (auto& task : waiters) CHECK(task.finish().get<bool>());
  });
}

TEST_CASE("waiting on a set event returns at once and a clear event times out") {
  run_in([] {
    picos::Event event;
    CHECK_FALSE(event.wait(0ms));
    CHECK_FALSE(event.wait(10ms));
    event.set();
    CHECK(event.is_set());
    CHECK(event.wait());
    CHECK(event.wait(0ms));
    event.clear();
    CHECK_FALSE(event.is_set());
  });
}

TEST_CASE("a semaphore lets at most its value of tasks in, first come first served") {
  run_in([] {
    auto semaphore = std::make_shared<picos::Semaphore>(3);
    auto inside = std::make_shared<int>(0);
    auto most = std::make_shared<int>(0);
    auto order = std::make_shared<std::vector<int>>();
    std::vector<picos::Task> tasks;
    for (int i = 0; i < 10; ++i) {
      tasks.push_back(picos::spawn([=] {
        std::lock_guard<picos::Semaphore> guard(*semaphore);
        order->push_back(i);
        *most = std::max(*most, ++*inside);
        picos::this_task::sleep(1ms);
        --*inside;
      }));
    }
    for (auto& task : tasks) task.finish();
    CHECK(*most == 3);
    CHECK(semaphore->value() == 3);
    for (int i = 0; i < 10; ++i) CHECK((*order)[static_cast<std::size_t>(i)] == i);
  });
}

TEST_CASE("semaphore acquire times out and try_lock only tries") {
  run_in([] {
    picos::Semaphore semaphore(1);
    CHECK(semaphore.try_lock());
    CHECK_FALSE(semaphore.try_lock());
    CHECK_FALSE(semaphore.acquire(10ms));
    semaphore.release();
    CHECK(semaphore.acquire(0ms));
    semaphore.release();
    semaphore.release();  // a plain Semaphore may grow beyond its start value
    CHECK(semaphore.value() == 2);
  });
}

TEST_CASE("a bounded semaphore refuses to be released more often than acquired") {
  run_in([] {
    picos::BoundedSemaphore semaphore(2);
    semaphore.acquire();
    semaphore.release();
    CHECK_THROWS_WITH_AS(semaphore.release(), doctest::Contains("more often than acquired"), picos::LockError);
    CHECK(semaphore.value() == 2);
  });
}

TEST_CASE("a semaphore unit handed to a task that is terminated before it runs is passed on") {
  run_in([] {
    auto semaphore = std::make_shared<picos::Semaphore>(0);
    auto doomed = picos::spawn([semaphore] { semaphore->acquire(); });
    auto next = picos::spawn([semaphore] { return semaphore->acquire(5s); });
    picos::this_task::yield();
    semaphore->release();
    doomed.terminate();
    CHECK(next.finish().get<bool>());
    CHECK(semaphore->value() == 0);
  });
}

TEST_CASE("event and semaphore waits from a plain thread fail loudly") {
  picos::Event event;
  picos::Semaphore semaphore(0);
  CHECK_THROWS_AS(event.wait(0ms), picos::WrongContext);
  CHECK_THROWS_AS(semaphore.acquire(0ms), picos::WrongContext);
}
