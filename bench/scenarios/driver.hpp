// Helpers shared by the picos scenarios: the scheduler settings an impl name stands for, and a
// driver task that runs the scenario's body.
//
// Compact-mode rule: state shared between tasks (counters, handles) lives in the scenario
// function's frame on the main thread's stack or on the heap, never on a task's stack.
#pragma once

#include <picos/picos.hpp>

#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

namespace picos_bench::picos_side {

/// Scheduler settings for picos-default (dedicated stacks) and picos-compact (compact mode).
[[nodiscard]] inline picos::SchedulerOptions options_for(std::string_view impl) {
  picos::SchedulerOptions options;
  if (impl == "picos-compact") {
    options.stack_mode = picos::StackMode::compact;
  } else if (impl != "picos-default" && impl != "picos") {
    throw std::invalid_argument("unknown picos impl: " + std::string(impl));
  }
  return options;
}

/// Yields the calling task until `counter` reaches `target`. Must be called from a task.
inline void yield_until(const std::uint64_t& counter, std::uint64_t target) {
  while (counter < target) picos::this_task::yield();
}

/// Runs `body` in a driver task (always on a dedicated stack, so only the measured tasks use the
/// impl's stack mode) on a scheduler made with `options`, until no task is left. Rethrows what
/// `body` threw.
template <class Body>
void run_driver(const picos::SchedulerOptions& options, Body&& body) {
  picos::Scheduler scheduler(options);
  std::exception_ptr failure;
  picos::TaskOptions driver;
  driver.name = "driver";
  driver.stack_mode = picos::StackMode::dedicated;
  scheduler.spawn(driver, [&body, &failure] {
    try {
      body();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  scheduler.run();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace picos_bench::picos_side
