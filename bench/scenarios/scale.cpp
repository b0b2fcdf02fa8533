// scale: a driver spawns n tasks that each park in suspend(); after spawning it yields (the ready
// queue is FIFO, so every new task runs and parks before the driver runs again). park_s runs from
// the first spawn until all are parked, rss_kib_per_task is the VmRSS growth over that span per
// task (the handles kept to resume them included), resume_s from the first resume() until every
// task has finished.
#include <vector>

#include "driver.hpp"
#include "scenarios.hpp"

namespace picos_bench::picos_side {

Figures scale(std::string_view impl, std::uint64_t n) {
  std::uint64_t parked = 0;
  std::uint64_t finished = 0;
  Figures figures;
  run_driver(options_for(impl), [&] {
    const long before = rss_kib();
    Stopwatch clock;
    std::vector<picos::Task> tasks;
    tasks.reserve(n);
    try {
      for (std::uint64_t i = 0; i < n; ++i) {
        tasks.push_back(picos::spawn([&parked, &finished] {
          ++parked;
          picos::this_task::suspend();
          ++finished;
        }));
      }
    } catch (...) {
      yield_until(parked, tasks.size());  // let the spawned ones park, then end them
      for (const picos::Task& task : tasks) task.resume();
      throw;
    }
    yield_until(parked, n);
    const double park_s = clock.seconds();
    const long after = rss_kib();
    clock.restart();
    for (const picos::Task& task : tasks) task.resume();
    yield_until(finished, n);
    figures = {{"park_s", park_s}, {"resume_s", clock.seconds()}, {"rss_kib_per_task", kib_per_task(before, after, n)}};
  });
  return figures;
}

}  // namespace picos_bench::picos_side
