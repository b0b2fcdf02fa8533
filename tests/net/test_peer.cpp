// Helper process for the net tests: a node on 127.0.0.1 (ephemeral port) that prints
// "LOCATION <host> <port>" and serves registered tasks until its stdin closes:
// - "echo": sends the text of each EchoRequest back to its reply_to;
// - "worker": waits for one string: "finish" returns 42, "fail" throws std::runtime_error.
// Channels: see test_peer_channels.hpp (extra arguments after the four common ones).
// Usage: net_test_peer <name> <secret> <heartbeat interval ms> <heartbeat timeout ms> [channel role]
#include "echo_protocol.hpp"
#include "test_peer_channels.hpp"

#include <picos/node.hpp>
#include <picos/picos.hpp>

#include <unistd.h>

#include <cstdio>
#include <span>
#include <iostream>
#include <stdexcept>
#include <string>

int main(int argc, char** argv) {
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

  picos::Task echo = picos::spawn([&node] {
    for (;;) {
      picos::Message message = picos::this_task::receive();
      if (auto* request = message.get_if<net_test::EchoRequest>()) node.send(request->reply_to, request->text);
    }
  });
  picos::Task worker = picos::spawn([]() -> int {
    const std::string command = picos::this_task::receive().get<std::string>();
    if (command == "fail") throw std::runtime_error("worker was asked to fail");
    return 42;
  });
  node.register_task("echo", echo);
  node.register_task("worker", worker);

  std::cout << "LOCATION " << node.location().host << ' ' << node.location().port << std::endl;
  const net_test::PeerChannels channels(node, std::span<char* const>(argv + 5, static_cast<std::size_t>(argc - 5)));
  char byte = 0;
  while (::read(0, &byte, 1) > 0) {
  }
  picos::Scheduler::instance().terminate();
  return 0;
}
