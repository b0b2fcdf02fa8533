// Helper process for the rti tests: a node on 127.0.0.1 (ephemeral port) that prints
// "LOCATION <host> <port>" and offers these services until its stdin closes:
// - "compute" (int a, std::string b) -> double: a * 1.5 + b.size();
// - "fail" (std::string text) -> int: throws std::runtime_error(text);
// - "nap" (int ms) -> int: sleeps `ms` milliseconds, returns ms.
// A line "close <name>" on stdin closes that service and answers "CLOSED <name>".
// Usage: rti_test_peer <name> <secret> <heartbeat interval ms> <heartbeat timeout ms>
#include "../net/binary_stdio.hpp"

#include <picos/node.hpp>
#include <picos/picos.hpp>
#include <picos/rti.hpp>

#include <iostream>
#include <map>
#include <stdexcept>
#include <string>

int main(int argc, char** argv) {
  net_test::use_binary_stdio();
  if (argc != 5) {
    std::cerr << "usage: rti_test_peer <name> <secret> <heartbeat ms> <heartbeat timeout ms>\n";
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

  std::map<std::string, picos::rti::Service> services;
  services.emplace("compute", picos::rti::Service(node, "compute", [](int a, const std::string& b) -> double {
                     return a * 1.5 + static_cast<double>(b.size());
                   }));
  services.emplace("fail", picos::rti::Service(node, "fail", [](std::string text) -> int {
                     throw std::runtime_error(text);
                   }));
  services.emplace("nap", picos::rti::Service(node, "nap", [](int ms) {
                     picos::this_task::sleep(std::chrono::milliseconds(ms));
                     return ms;
                   }));

  std::cout << "LOCATION " << node.location().host << ' ' << node.location().port << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.starts_with("close ")) {
      const std::string name = line.substr(6);
      if (auto found = services.find(name); found != services.end()) found->second.close();
      std::cout << "CLOSED " << name << std::endl;
    }
  }
  services.clear();
  picos::Scheduler::instance().terminate();
  return 0;
}
