// churn: n empty tasks with at most 1000 alive at once, in the shape every peer uses: the driver
// spawns a batch of 1000, waits until the whole batch has finished, and starts the next.
#include <algorithm>

#include "driver.hpp"
#include "scenarios.hpp"

namespace picos_bench::picos_side {
namespace {
constexpr std::uint64_t churn_batch = 1000;
}

Figures churn(std::string_view impl, std::uint64_t n) {
  std::uint64_t finished = 0;
  Figures figures;
  run_driver(options_for(impl), [&] {
    Stopwatch clock;
    for (std::uint64_t spawned = 0; spawned < n;) {
      const std::uint64_t size = std::min(churn_batch, n - spawned);
      for (std::uint64_t i = 0; i < size; ++i) picos::spawn([&finished] { ++finished; });
      spawned += size;
      yield_until(finished, spawned);
    }
    figures = {{"tasks_per_s", static_cast<double>(n) / clock.seconds()}};
  });
  return figures;
}

}  // namespace picos_bench::picos_side
