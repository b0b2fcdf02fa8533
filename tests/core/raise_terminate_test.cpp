#include "run_in.hpp"

#include <picos/picos.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;
using picos_test::run_in;

namespace {
struct Flag {
  bool* flag;
  ~Flag() { *flag = true; }
};
}  // namespace

TEST_CASE("raise throws the exception where the task is suspended") {
  run_in([] {
    auto victim = picos::spawn([] {
      try {
        picos::this_task::suspend();
      } catch (const std::invalid_argument& error) {
        return std::string(error.what());
      }
      return std::string("not raised");
    });
    picos::this_task::yield();
    CHECK(victim.raise(std::invalid_argument("injected")));
    CHECK(victim.finish().get<std::string>() == "injected");
  });
}

TEST_CASE("raise wakes a task waiting for a message") {
  run_in([] {
    auto victim = picos::spawn([] { (void)picos::this_task::receive(); });
    picos::this_task::yield();
    victim.raise(std::runtime_error("stop waiting"));
    CHECK_THROWS_WITH(victim.finish(), "stop waiting");
  });
}

TEST_CASE("raise on an ended task or on the caller itself returns false") {
  run_in([] {
    auto done = picos::spawn([] {});
    done.finish();
    CHECK_FALSE(done.raise(std::runtime_error("late")));
    CHECK_FALSE(picos::this_task::current().raise(std::runtime_error("self")));
  });
}

TEST_CASE("terminate unwinds a suspended task so its destructors run") {
  bool destroyed = false;
  run_in([&] {
    auto victim = picos::spawn([&] {
      Flag flag{&destroyed};
      picos::this_task::suspend();
    });
    picos::this_task::yield();
    CHECK(victim.terminate());
    CHECK_THROWS_AS(victim.finish(), picos::TaskTerminatedError);
    CHECK_FALSE(victim.is_alive());
  });
  CHECK(destroyed);
}

TEST_CASE("terminate of a ready task that never ran ends it without running it") {
  bool ran = false;
  run_in([&] {
    auto victim = picos::spawn([&] { ran = true; });
    CHECK(victim.terminate());
    CHECK_THROWS_AS(victim.finish(), picos::TaskTerminatedError);
  });
  CHECK_FALSE(ran);
}

TEST_CASE("terminate of a running task takes effect at its next blocking call") {
  int steps = 0;
  run_in([&] {
    auto self_terminator = picos::spawn([&] {
      picos::this_task::current().terminate();
      ++steps;  // still runs: termination waits for the next switch
      picos::this_task::yield();
      ++steps;  // never reached
    });
    CHECK_THROWS_AS(self_terminator.finish(), picos::TaskTerminatedError);
  });
  CHECK(steps == 1);
}

TEST_CASE("terminate of a finished task returns false") {
  run_in([] {
    auto done = picos::spawn([] { return 1; });
    done.finish();
    CHECK_FALSE(done.terminate());
  });
}

TEST_CASE("a task that swallows termination is unwound again at its next blocking call") {
  int catches = 0;
  run_in([&] {
    auto stubborn = picos::spawn([&] {
      try {
        picos::this_task::suspend();
      } catch (...) {
        ++catches;  // wrongly swallowed
      }
      picos::this_task::suspend();  // raised again here
      catches += 100;
    });
    picos::this_task::yield();
    stubborn.terminate();
    CHECK_THROWS_AS(stubborn.finish(), picos::TaskTerminatedError);
  });
  CHECK(catches == 1);
}

TEST_CASE("destroying a scheduler unwinds the tasks still alive") {
  bool destroyed = false;
  {
    picos::Scheduler scheduler;
    scheduler.spawn([&] {
      picos::this_task::set_daemon();
      Flag flag{&destroyed};
      picos::this_task::suspend();
    });
    scheduler.run();
    CHECK_FALSE(destroyed);
  }
  CHECK(destroyed);
}
