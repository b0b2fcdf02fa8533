// remote_stream, remote_deliver and locate, picos side: this process runs a Node and drives
// picos-node-peer processes (node_peer.cpp) over loopback TCP. The peers are pinned to one CPU and
// this process to the other (both threads of each process, user and network, share its CPU).
// - remote_stream: one task sends n 16-byte strings with Node::send; timed from the first send
//   until the peer's sink reports that it has the n-th (it checks count and order);
// - remote_deliver: n Node::deliver round trips of a 16-byte string after a warm-up; p50 and p99;
// - locate: n peer processes, the last one registering "needle"; Node::locate("needle") asking
//   every peer, repeated; the median time.
#include <picos/node.hpp>
#include <picos/receive.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../common/remote.hpp"
#include "../peers/io_runs.hpp"
#include "../peers/server_process.hpp"
#include "driver.hpp"
#include "scenarios.hpp"

namespace picos_bench::picos_side {
namespace {

constexpr std::uint64_t locate_repeats = 200;

void require_picos(std::string_view impl) {
  if (impl != "picos") throw std::invalid_argument("unknown picos impl: " + std::string(impl));
}

picos::NodeOptions driver_options() {
  picos::NodeOptions options;
  options.name = "bench-driver";
  options.secret = "picos-bench";
  options.hosts = {"127.0.0.1"};
  options.tcp_port = 0;
  return options;
}

std::vector<std::string> node_peer_command(std::optional<std::string> registered = std::nullopt) {
  std::vector<std::string> argv{io::own_folder() + "picos-node-peer"};
  io::require_program(argv.front(), "picos-node-peer");
  if (registered) argv.push_back(*registered);
  return argv;
}

picos::Location loopback(const io::ServerProcess& peer) { return picos::Location{"127.0.0.1", peer.port()}; }

picos::RemoteTask find_task(picos::Node& node, const picos::Location& where, const std::string& name) {
  if (!node.peer(where, remote::step_timeout)) throw std::runtime_error("cannot connect to picos-node-peer at " + where.to_string());
  std::optional<picos::RemoteTask> found = node.locate(name, where, remote::step_timeout);
  if (!found) throw std::runtime_error("picos-node-peer has no task named " + name);
  return *found;
}

}  // namespace

Figures remote_stream(std::string_view impl, std::uint64_t n) {
  require_picos(impl);
  const io::CpuPair cpus = io::pick_cpus();
  const io::ServerProcess peer(node_peer_command(), {}, cpus.server);
  io::pin_self(cpus.load);
  picos::Node node(driver_options());
  double seconds = 0;
  run_driver(options_for(impl), [&] {
    const picos::RemoteTask sink = find_task(node, loopback(peer), "sink");
    const picos::RemoteTask me = node.export_task(picos::this_task::current());
    const Stopwatch clock;
    bool sent = node.send(sink, picos::Message(me)) && node.send(sink, picos::Message(std::uint64_t{n}));
    for (std::uint64_t i = 0; i < n && sent; ++i) sent = node.send(sink, picos::Message(remote::payload(i)));
    if (!sent) throw std::runtime_error("Node::send failed: the peer went offline");
    const auto report = picos::this_task::receive_as<std::vector<std::uint64_t>>(remote::report_timeout);
    seconds = clock.seconds();
    if (!report) throw std::runtime_error("no report from the receiving task within the time limit");
    if (report->size() != 2 || report->at(0) != n || report->at(1) != 0) {
      throw std::runtime_error("the receiver got messages out of order");
    }
  });
  return {{"msgs_per_s", static_cast<double>(n) / seconds}};
}

Figures remote_deliver(std::string_view impl, std::uint64_t n) {
  require_picos(impl);
  const io::CpuPair cpus = io::pick_cpus();
  const io::ServerProcess peer(node_peer_command(), {}, cpus.server);
  io::pin_self(cpus.load);
  picos::Node node(driver_options());
  Figures figures;
  run_driver(options_for(impl), [&] {
    const picos::RemoteTask acker = find_task(node, loopback(peer), "acker");
    auto deliver = [&](std::uint64_t i) {
      const picos::Message message(remote::payload(i));
      const auto start = std::chrono::steady_clock::now();
      if (node.deliver(acker, message, remote::step_timeout) != picos::Delivery::delivered) {
        throw std::runtime_error("Node::deliver did not deliver message " + std::to_string(i));
      }
      return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    };
    for (std::uint64_t i = 0; i < remote::warmup_round_trips; ++i) (void)deliver(i);
    std::vector<double> ns;
    ns.reserve(n);
    const Stopwatch clock;
    for (std::uint64_t i = 0; i < n; ++i) ns.push_back(deliver(i));
    figures = remote::round_trip_figures(std::move(ns), clock.seconds());
  });
  return figures;
}

Figures locate(std::string_view impl, std::uint64_t n) {
  require_picos(impl);
  const io::CpuPair cpus = io::pick_cpus();
  std::vector<std::unique_ptr<io::ServerProcess>> peers;
  for (std::uint64_t i = 0; i < n; ++i) {
    const bool holder = i + 1 == n;
    peers.push_back(std::make_unique<io::ServerProcess>(node_peer_command(holder ? std::optional<std::string>("needle") : std::nullopt),
                                                        std::vector<std::string>{}, cpus.server));
  }
  io::pin_self(cpus.load);
  picos::Node node(driver_options());
  std::vector<double> ms;
  run_driver(options_for(impl), [&] {
    for (const auto& peer : peers) {
      if (!node.peer(loopback(*peer), remote::step_timeout)) throw std::runtime_error("cannot connect to a picos-node-peer");
    }
    const picos::Location holder = loopback(*peers.back());
    const std::uint64_t repeats = io::quick_mode() ? 10 : locate_repeats;
    for (std::uint64_t i = 0; i <= repeats; ++i) {
      const auto start = std::chrono::steady_clock::now();
      const std::optional<picos::RemoteTask> found = node.locate("needle", std::nullopt, remote::step_timeout);
      const double elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      if (!found || found->origin != holder) throw std::runtime_error("locate did not find the task at its peer");
      if (i > 0) ms.push_back(elapsed);  // the first one is the warm-up
    }
  });
  return {{"locate_ms", remote::quantile(ms, 0.5)}};
}

}  // namespace picos_bench::picos_side
