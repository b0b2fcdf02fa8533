#pragma once
// Helpers shared by the multi-host tests (suite "hosts", hosts_*_test.cpp): nodes of this process
// opened inside a lab host's namespace, net_test_peer started on a lab host in "discover" mode,
// and bounded waits for peer-status changes. See netns_support.hpp for the lab itself.

#include "net_support.hpp"
#include "netns_support.hpp"
#include "peer_process.hpp"

#include <picos/node.hpp>
#include <picos/subprocess.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace net_test {

inline constexpr int host_heartbeat_ms = 100;
inline constexpr int host_heartbeat_timeout_ms = 600;
inline constexpr int host_discovery_interval_ms = 300;
// Offline detection: the heartbeat timeout plus scheduling slack on a loaded machine.
inline constexpr auto host_offline_bound = std::chrono::milliseconds(host_heartbeat_timeout_ms) + 2400ms;

// True when the lab was built; otherwise prints why the test is skipped (doctest and stderr).
inline bool lab_ready(const NetnsLab& lab) {
  if (lab.ok()) return true;
  MESSAGE("SKIPPED (suite hosts): " << lab.skip_reason());
  std::cerr << "net hosts test SKIPPED: " << lab.skip_reason() << '\n';
  return false;
}

// Options of a lab node: every interface, ephemeral port, discovery and fast heartbeats.
inline picos::NodeOptions host_options(std::string name) {
  picos::NodeOptions options;
  options.name = std::move(name);
  options.secret = "hosts-secret";
  options.tcp_port = 0;  // hosts empty: every interface, the location is veth0's address
  options.discover_peers = true;
  options.discovery_interval = std::chrono::milliseconds(host_discovery_interval_ms);
  options.heartbeat_interval = std::chrono::milliseconds(host_heartbeat_ms);
  options.heartbeat_timeout = std::chrono::milliseconds(host_heartbeat_timeout_ms);
  options.connect_timeout = 2s;
  return options;
}

// A node of this process on lab host `index`, made with `options`.
inline std::unique_ptr<picos::Node> node_on(const NetnsLab& lab, int index, const picos::NodeOptions& options) {
  std::unique_ptr<picos::Node> node;
  lab.run_in_host(index, [&] { node = std::make_unique<picos::Node>(options); });
  return node;
}

// A node of this process on lab host `index`, listening on `host` (empty: every interface).
inline std::unique_ptr<picos::Node> node_on(const NetnsLab& lab, int index, std::string name,
                                            const std::string& host = {}) {
  picos::NodeOptions options = host_options(std::move(name));
  if (!host.empty()) options.hosts = {host};
  return node_on(lab, index, options);
}

struct HostPeer {
  picos::Subprocess process;
  picos::Location location;
};

// [B] net_test_peer in discover mode on lab host `index`, listening on `host` ("*": every
// interface), with the heartbeat timeout `timeout_ms` and `extra` arguments (see
// test_peer_discovery.cpp).
inline HostPeer peer_on(const NetnsLab& lab, int index, const std::string& name, const std::string& host = "*",
                        int timeout_ms = host_heartbeat_timeout_ms, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv{helper_path(),
                                "discover",
                                name,
                                "hosts-secret",
                                std::to_string(host_heartbeat_ms),
                                std::to_string(timeout_ms),
                                "9705",
                                std::to_string(host_discovery_interval_ms),
                                host};
  argv.insert(argv.end(), extra.begin(), extra.end());
  HostPeer peer{lab.spawn_in(index, argv), {}};
  peer.location = read_location(peer.process);
  CHECK(peer.location.host == (host == "*" ? NetnsLab::address(index) : host));
  return peer;
}

// [B] Reads `process`'s output lines until it has printed each line of `wanted` (other lines are
// skipped); false when `limit` passes first or its output ends.
inline bool prints(picos::Subprocess& process, std::set<std::string> wanted, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!wanted.empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    std::string line;
    try {
      line = process.readline(left);
    } catch (const std::system_error&) {
      return false;
    }
    if (line.empty()) return false;
    if (line.back() == '\n') line.pop_back();
    wanted.erase(line);
  }
  return true;
}

// [B] Reads the peer's status lines until it has printed "<status> <name>" for each of `names`.
inline bool reports(HostPeer& peer, const std::string& status, const std::set<std::string>& names,
                    std::chrono::milliseconds limit) {
  std::set<std::string> wanted;
  for (const std::string& name : names) wanted.insert(status + " " + name);
  return prints(peer.process, std::move(wanted), limit);
}

// [B] From a task: the next PeerStatus about `name` with `status`, within `limit`.
inline bool status_of(const std::string& name, picos::PeerStatus::Status status, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    auto next = next_of<picos::PeerStatus>(left);
    if (!next) return false;
    if (next->name == name && next->status == status) return true;
  }
}

// [B] True once every location of `wanted` is among `node`'s peers, false after `limit`.
inline bool has_peers(const picos::Node& node, std::vector<picos::Location> wanted, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const auto peers = node.peers();
    if (std::all_of(wanted.begin(), wanted.end(),
                    [&](const picos::Location& l) { return std::find(peers.begin(), peers.end(), l) != peers.end(); })) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

// Milliseconds since `since`, for the figures the tests print.
inline long long ms_since(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace net_test
