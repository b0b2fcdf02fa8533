// switch: two tasks that each yield n times; with the FIFO ready queue they alternate, so one
// round trip (a -> b -> a) is one yield of each, two trips through the scheduler.
#include "driver.hpp"
#include "scenarios.hpp"

namespace picos_bench::picos_side {

Figures switch_round_trips(std::string_view impl, std::uint64_t n) {
  picos::Scheduler scheduler(options_for(impl));
  auto yielder = [n] {
    return [n] {
      for (std::uint64_t i = 0; i < n; ++i) picos::this_task::yield();
    };
  };
  Stopwatch clock;
  scheduler.spawn(yielder());
  scheduler.spawn(yielder());
  scheduler.run();
  return {{"ns_per_roundtrip", clock.seconds() * 1e9 / static_cast<double>(n)}};
}

}  // namespace picos_bench::picos_side
