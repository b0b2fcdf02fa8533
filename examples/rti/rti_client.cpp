// rti_client: runs a function offered by rti_service in another process (pycos's RTI client
// example). It connects to the server's node, locates the service "compute" by name, starts
// several calls at once (each creates a task at the server) and prints each result as it is
// collected. Start rti_service first, then:
//   rti_client <server host> <server port> [secret]
#include "../common/client_start.hpp"
#include <picos/node.hpp>
#include <picos/picos.hpp>
#include <picos/rti.hpp>

#include <iostream>
#include <optional>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  const std::optional<example::ClientStart> start = example::parse_client_start(argc, argv, "rti_client");
  if (!start) return 2;
  const picos::Location& server = start->server;
  picos::Node node(start->options);

  picos::Task client = picos::spawn([&]() -> int {
    if (!example::reach_server(node, server)) return 1;
    std::optional<picos::rti::RemoteService> compute = picos::rti::locate(node, "compute", server, 10s);
    if (!compute) {
      std::cerr << "no service 'compute' at " << server << '\n';
      return 1;
    }
    std::cout << "found " << compute->reference().to_string() << std::endl;
    std::vector<picos::rti::Invocation> runs;
    for (int n = 1; n <= 5; ++n) {
      runs.push_back(compute->call(10s, n, 0.2 * (6 - n)));  // later calls finish first
      std::cout << "started " << runs.back().task() << std::endl;
    }
    for (std::size_t i = 0; i < runs.size(); ++i) {
      try {
        std::cout << runs[i].task() << " returned " << runs[i].result<long>(30s) << std::endl;
      } catch (const std::exception& error) {
        std::cout << runs[i].task() << ": " << error.what() << std::endl;
      }
    }
    return 0;
  });
  return client.value().get<int>();
}
