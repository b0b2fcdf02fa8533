// fanout: n subscriber tasks on one picos::Channel; a publisher broadcasts 100 messages with
// Channel::send (each subscriber gets its own queued copy). Timed from the first send until every
// subscriber has received every message; the received values are summed and checked.
#include <stdexcept>
#include <vector>

#include <picos/channel.hpp>

#include "driver.hpp"
#include "scenarios.hpp"

namespace picos_bench::picos_side {

namespace {
constexpr std::uint64_t fanout_messages = 100;
}  // namespace

Figures fanout(std::string_view impl, std::uint64_t n) {
  const picos::SchedulerOptions options = options_for(impl);
  std::uint64_t finished = 0;
  std::uint64_t received_sum = 0;
  double seconds = 0;
  run_driver(options, [&] {
    picos::Channel channel("picos-bench-fanout");
    picos::TaskOptions measured;
    measured.stack_mode = options.stack_mode;
    for (std::uint64_t i = 0; i < n; ++i) {
      channel.subscribe(picos::spawn(measured, [&finished, &received_sum] {
        std::uint64_t sum = 0;
        for (std::uint64_t k = 0; k < fanout_messages; ++k) sum += picos::this_task::receive().get<std::uint64_t>();
        received_sum += sum;
        ++finished;
      }));
    }
    picos::this_task::yield();  // every subscriber is parked in receive()
    Stopwatch clock;
    for (std::uint64_t m = 0; m < fanout_messages; ++m) channel.send(picos::Message(m));
    yield_until(finished, n);
    seconds = clock.seconds();
    channel.close();
  });
  if (received_sum != n * (fanout_messages * (fanout_messages - 1) / 2)) {
    throw std::logic_error("fanout lost or altered messages");
  }
  return {{"deliveries_per_s", static_cast<double>(n * fanout_messages) / seconds}};
}

}  // namespace picos_bench::picos_side
