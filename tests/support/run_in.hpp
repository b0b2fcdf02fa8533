#pragma once
// Test helper: run a body as a task on a fresh scheduler whose loop runs on the test's thread.

#include <picos/picos.hpp>

#include <exception>
#include <utility>

namespace picos_test {

// Runs `body` as a task on a new Scheduler (options as given) and returns when every non-daemon
// task has ended. An exception escaping `body` is rethrown here so doctest reports it.
template <class Body>
void run_in(picos::SchedulerOptions options, Body&& body) {
  picos::Scheduler scheduler(std::move(options));
  std::exception_ptr failure;
  scheduler.spawn([&] {
    try {
      body();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  scheduler.run();
  if (failure) std::rethrow_exception(failure);
}

template <class Body>
void run_in(Body&& body) {
  run_in(picos::SchedulerOptions{}, std::forward<Body>(body));
}

// Both stack modes, for tests that must hold in each.
inline picos::SchedulerOptions with_mode(picos::StackMode mode) {
  picos::SchedulerOptions options;
  options.stack_mode = mode;
  return options;
}

}  // namespace picos_test
