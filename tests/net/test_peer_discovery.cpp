// net_test_peer's "discover" mode: a node with discovery on that prints "LOCATION <host> <port>",
// then one line per peer-status change ("ONLINE <name>" / "OFFLINE <name>"), and serves the tasks
// of test_peer_tasks.hpp and the channels of test_peer_channels.hpp (extra arguments after the
// eight common ones) until its stdin closes.
// Usage: net_test_peer discover <name> <secret> <heartbeat ms> <heartbeat timeout ms> <udp port>
//                              <discovery interval ms> <host, or * for every interface> [channel role]
#include "test_peer_channels.hpp"
#include "test_peer_tasks.hpp"

#include <picos/node.hpp>
#include <picos/picos.hpp>

#include <iostream>
#include <span>
#include <string>

int run_discovery_peer(int argc, char** argv) {
  if (argc < 8) {
    std::cerr << "usage: net_test_peer discover <name> <secret> <heartbeat ms> <heartbeat timeout ms> <udp port> "
                 "<discovery interval ms> <host|*> [channel role]\n";
    return 2;
  }
  picos::NodeOptions options;
  options.name = argv[1];
  options.secret = argv[2];
  options.heartbeat_interval = std::chrono::milliseconds(std::stoi(argv[3]));
  options.heartbeat_timeout = std::chrono::milliseconds(std::stoi(argv[4]));
  options.udp_port = static_cast<std::uint16_t>(std::stoi(argv[5]));
  options.discovery_interval = std::chrono::milliseconds(std::stoi(argv[6]));
  if (std::string(argv[7]) != "*") options.hosts = {argv[7]};
  options.tcp_port = 0;
  options.discover_peers = true;
  picos::Node node(options);
  net_test::register_peer_tasks(node);
  // Everything is registered before the location is printed: a test may locate it at once.
  net_test::PeerChannels channels(node, std::span<char* const>(argv + 8, static_cast<std::size_t>(argc - 8)));

  std::cout << "LOCATION " << node.location().host << ' ' << node.location().port << std::endl;
  picos::Task reporter = picos::spawn([] {
    for (;;) {
      const auto status = picos::this_task::receive().get<picos::PeerStatus>();
      std::cout << (status.status == picos::PeerStatus::Status::online ? "ONLINE " : "OFFLINE ") << status.name
                << std::endl;
    }
  });
  node.peer_status(reporter);
  channels.start_subscription();
  net_test::serve_until_stdin_closes();
  return 0;
}
