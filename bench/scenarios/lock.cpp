// lock: 1000 tasks share one picos::Lock; each acquires it n times and yields while holding it
// (so the others queue on it). Acquisitions are counted under the lock and checked after the run.
#include <stdexcept>

#include <picos/lock.hpp>

#include "driver.hpp"
#include "scenarios.hpp"

namespace picos_bench::picos_side {

namespace {
constexpr std::uint64_t lock_tasks = 1000;
}  // namespace

Figures lock(std::string_view impl, std::uint64_t n) {
  const picos::SchedulerOptions options = options_for(impl);
  std::uint64_t acquisitions = 0;
  std::uint64_t finished = 0;
  double seconds = 0;
  picos::Lock shared;  // on the main thread's stack, see driver.hpp
  run_driver(options, [&] {
    picos::TaskOptions measured;
    measured.stack_mode = options.stack_mode;
    Stopwatch clock;
    for (std::uint64_t t = 0; t < lock_tasks; ++t) {
      picos::spawn(measured, [&shared, &acquisitions, &finished, n] {
        for (std::uint64_t i = 0; i < n; ++i) {
          shared.acquire();
          ++acquisitions;
          picos::this_task::yield();
          shared.release();
        }
        ++finished;
      });
    }
    yield_until(finished, lock_tasks);
    seconds = clock.seconds();
  });
  if (acquisitions != n * lock_tasks) throw std::logic_error("lock lost acquisitions");
  return {{"acquisitions_per_s", static_cast<double>(acquisitions) / seconds}};
}

}  // namespace picos_bench::picos_side
