// pingpong: two tasks bounce a number n times through their mailboxes (Task::send and
// this_task::receive); one round trip is one message each way. The echoed numbers are summed and
// checked after the run, so a lost or altered message fails the measurement.
#include <stdexcept>

#include "driver.hpp"
#include "scenarios.hpp"

namespace picos_bench::picos_side {

Figures pingpong(std::string_view impl, std::uint64_t n) {
  picos::Scheduler scheduler(options_for(impl));
  picos::Task ping;  // set before run(), so before pong first runs
  std::uint64_t echoed_sum = 0;
  picos::Task pong = scheduler.spawn([&ping, n] {
    for (std::uint64_t i = 0; i < n; ++i) ping.send(picos::this_task::receive());
  });
  Stopwatch clock;
  ping = scheduler.spawn([pong, n, &echoed_sum] {
    for (std::uint64_t i = 0; i < n; ++i) {
      pong.send(picos::Message(std::uint64_t{i}));
      echoed_sum += picos::this_task::receive().get<std::uint64_t>();
    }
  });
  scheduler.run();
  const double seconds = clock.seconds();
  if (echoed_sum != n * (n - 1) / 2) throw std::logic_error("pingpong lost or altered messages");
  return {{"ns_per_roundtrip", seconds * 1e9 / static_cast<double>(n)}};
}

}  // namespace picos_bench::picos_side
