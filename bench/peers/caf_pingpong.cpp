// CAF peer of picos-bench: the pingpong scenario with two event-based actors on a scheduler with
// one worker thread, and the distributed scenarios (caf_remote.cpp). Prints the protocol line of
// bench/common/protocol.hpp.
//
// Usage: caf-peer pingpong|remote_stream|remote_deliver caf <n>
//        caf-peer --serve remote_stream|remote_deliver   (the remote side, started by the above)
// One round trip: ping sends a number, pong's handler returns it (CAF sends the result back to
// the sender), ping's handler receives it. Timed inside ping from its first send until the n-th
// reply, so actor-system start-up and shutdown are not counted.
#include <caf/all.hpp>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "../common/meter.hpp"
#include "../common/protocol.hpp"
#include "caf_remote.hpp"

namespace {

using picos_bench::Figures;
using picos_bench::Stopwatch;

caf::behavior pong(caf::event_based_actor*) {
  return {[](std::uint64_t v) { return v; }};
}

/// Bounces n numbers off `buddy`; writes the elapsed seconds into `seconds` when done.
caf::behavior ping(caf::event_based_actor* self, caf::actor buddy, std::uint64_t n,
                   double* seconds) {
  auto clock = std::make_shared<Stopwatch>();
  self->send(buddy, std::uint64_t{1});
  return {[=](std::uint64_t v) {
    if (v < n) {
      self->send(buddy, v + 1);
      return;
    }
    *seconds = clock->seconds();
    self->send_exit(buddy, caf::exit_reason::user_shutdown);
    self->quit();
  }};
}

Figures pingpong(std::string_view impl, std::uint64_t n) {
  if (impl != "caf") throw std::invalid_argument("unknown impl for this program: " + std::string(impl));
  caf::actor_system_config config;
  config.set("scheduler.max-threads", 1);
  double seconds = 0;
  {
    caf::actor_system system{config};
    if (system.scheduler().num_workers() != 1) throw std::runtime_error("CAF ignored max-threads");
    auto buddy = system.spawn(pong);
    system.spawn(ping, buddy, n, &seconds);
    system.await_all_actors_done();
  }
  return Figures{{"ns_per_roundtrip", seconds * 1e9 / static_cast<double>(n)}};
}

constexpr std::array<picos_bench::ScenarioEntry, 3> scenarios{{
    {"pingpong", pingpong},
    {"remote_stream", picos_bench::caf_peer::remote_stream},
    {"remote_deliver", picos_bench::caf_peer::remote_deliver},
}};

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == "--serve") return picos_bench::caf_peer::serve(argv[2]);
  picos_bench::Request request;
  if (!picos_bench::parse_request(argc, argv, request)) return 2;
  return picos_bench::run_request(request, scenarios);
}
