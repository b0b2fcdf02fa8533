// Helper process for the net tests: a node on 127.0.0.1 (ephemeral port) that prints
// "LOCATION <host> <port>" and serves the tasks of test_peer_tasks.hpp ("echo", "worker",
// "file-sender", "sink", "slow-sink", "streamer") until its stdin closes. Channels: see test_peer_channels.hpp (extra arguments
// after the four common ones).
// Usage: net_test_peer <name> <secret> <heartbeat interval ms> <heartbeat timeout ms> [channel role]
//        net_test_peer discover ...   (see test_peer_discovery.cpp)
#include "binary_stdio.hpp"
#include "test_peer_channels.hpp"
#include "test_peer_tasks.hpp"

#include <picos/node.hpp>
#include <picos/picos.hpp>

#include <cstdio>
#include <iostream>
#include <span>
#include <string>

int run_discovery_peer(int argc, char** argv);

int main(int argc, char** argv) {
  net_test::use_binary_stdio();
  if (argc >= 2 && std::string(argv[1]) == "discover") return run_discovery_peer(argc - 1, argv + 1);
  if (argc < 5) {
    std::cerr << "usage: net_test_peer <name> <secret> <heartbeat ms> <heartbeat timeout ms> [channel role]\n";
    return 2;
  }
  picos::NodeOptions options;
  options.name = argv[1];
  options.secret = argv[2];
  options.hosts = {"127.0.0.1"};
  options.tcp_port = 0;
  options.heartbeat_interval = std::chrono::milliseconds(std::stoi(argv[3]));
  options.heartbeat_timeout = std::chrono::milliseconds(std::stoi(argv[4]));
  picos::Node node(options);
  net_test::register_peer_tasks(node);

  // Everything is registered before the location is printed: a test may locate it at once.
  net_test::PeerChannels channels(node, std::span<char* const>(argv + 5, static_cast<std::size_t>(argc - 5)));
  std::cout << "LOCATION " << node.location().host << ' ' << node.location().port << std::endl;
  channels.start_subscription();
  net_test::serve_until_stdin_closes();
  return 0;
}
