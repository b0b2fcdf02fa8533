// remote_stream and remote_deliver for CAF. The measuring process starts `caf-peer --serve
// <scenario>` pinned to the other CPU (server_process.hpp) and reaches its actor with
// remote_actor(); both processes run one scheduler thread plus the middleman's own thread.
#include "caf_remote.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <sys/prctl.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../common/meter.hpp"
#include "../common/remote.hpp"
#include "server_process.hpp"

namespace picos_bench::caf_peer {
namespace {

constexpr auto lifetime_limit = std::chrono::hours(1);

caf::actor_system_config& configure(caf::actor_system_config& config) {
  config.load<caf::io::middleman>();
  config.set("scheduler.max-threads", 1);
  return config;
}

struct SinkState {
  std::uint64_t expected = 0;
  std::uint64_t received = 0;
  std::uint64_t out_of_order = 0;
};

// Takes the count n, then n strings; answers the sender of the n-th with (received, out_of_order).
caf::behavior sink(caf::stateful_actor<SinkState>* self) {
  return {
      [=](std::uint64_t n) { self->state = SinkState{n, 0, 0}; },
      [=](const std::string& text) {
        SinkState& state = self->state;
        if (!remote::is_payload(text.data(), text.size(), state.received)) ++state.out_of_order;
        if (++state.received == state.expected) {
          self->send(caf::actor_cast<caf::actor>(self->current_sender()), state.received, state.out_of_order);
        }
      },
  };
}

caf::behavior acker(caf::event_based_actor*) {
  return {[](const std::string&) { return std::int32_t{1}; }};
}

void require_caf(std::string_view impl) {
  if (impl != "caf") throw std::invalid_argument("unknown impl for this program: " + std::string(impl));
}

// The serving process and a handle on its published actor.
class Session {
 public:
  explicit Session(std::string_view scenario)
      : cpus_(io::pick_cpus()),
        server_({io::own_folder() + "caf-peer", "--serve", std::string(scenario)}, {}, cpus_.server),
        system_(configure(config_)) {
    io::pin_self(cpus_.load);
    auto found = system_.middleman().remote_actor("127.0.0.1", server_.port());
    if (!found) throw std::runtime_error("remote_actor failed: " + system_.render(found.error()));
    remote_ = *found;
  }
  [[nodiscard]] caf::actor_system& system() noexcept { return system_; }
  [[nodiscard]] const caf::actor& remote() const noexcept { return remote_; }

 private:
  io::CpuPair cpus_;
  io::ServerProcess server_;
  caf::actor_system_config config_;
  caf::actor_system system_;
  caf::actor remote_;
};

}  // namespace

Figures remote_stream(std::string_view impl, std::uint64_t n) {
  require_caf(impl);
  Session session("remote_stream");
  caf::scoped_actor self{session.system()};
  bool reported = false;
  std::uint64_t received = 0;
  std::uint64_t out_of_order = 0;
  const Stopwatch clock;
  self->send(session.remote(), n);
  for (std::uint64_t i = 0; i < n; ++i) self->send(session.remote(), remote::payload(i));
  self->receive(
      [&](std::uint64_t count, std::uint64_t misplaced) {
        reported = true;
        received = count;
        out_of_order = misplaced;
      },
      caf::after(remote::report_timeout) >> [] {});
  const double seconds = clock.seconds();
  if (!reported) throw std::runtime_error("no report from the receiving actor within the time limit");
  if (received != n || out_of_order != 0) throw std::runtime_error("the receiver got messages out of order");
  return {{"msgs_per_s", static_cast<double>(n) / seconds}};
}

Figures remote_deliver(std::string_view impl, std::uint64_t n) {
  require_caf(impl);
  Session session("remote_deliver");
  caf::scoped_actor self{session.system()};
  auto round_trip = [&](std::uint64_t i) {
    std::string message = remote::payload(i);
    std::int32_t result = 0;
    std::string failure;
    const auto start = std::chrono::steady_clock::now();
    self->request(session.remote(), remote::step_timeout, std::move(message))
        .receive([&](std::int32_t r) { result = r; },
                 [&](caf::error& error) { failure = session.system().render(error); });
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    if (result != 1) throw std::runtime_error("request " + std::to_string(i) + " failed: " + failure);
    return ns;
  };
  for (std::uint64_t i = 0; i < remote::warmup_round_trips; ++i) (void)round_trip(i);
  std::vector<double> ns;
  ns.reserve(n);
  const Stopwatch clock;
  for (std::uint64_t i = 0; i < n; ++i) ns.push_back(round_trip(i));
  return remote::round_trip_figures(std::move(ns), clock.seconds());
}

int serve(std::string_view scenario) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  caf::actor_system_config config;
  caf::actor_system system{configure(config)};
  caf::actor served;
  if (scenario == "remote_stream") {
    served = system.spawn(sink);
  } else if (scenario == "remote_deliver") {
    served = system.spawn(acker);
  } else {
    std::fprintf(stderr, "caf-peer --serve: unknown scenario %s\n", std::string(scenario).c_str());
    return 2;
  }
  auto port = system.middleman().publish(served, 0, "127.0.0.1");
  if (!port) {
    std::fprintf(stderr, "caf-peer --serve: publish failed: %s\n", system.render(port.error()).c_str());
    return 1;
  }
  std::printf("caf listening on %u\n", static_cast<unsigned>(*port));
  std::fflush(stdout);
  std::this_thread::sleep_for(lifetime_limit);
  std::quick_exit(0);  // the actor system would wait for the served actor, which never ends
}

}  // namespace picos_bench::caf_peer
