// rti_client: runs a function offered by rti_service in another process (pycos's RTI client
// example). It connects to the server's node, locates the service "compute" by name, starts
// several calls at once (each creates a task at the server) and prints each result as it is
// collected. Start rti_service first, then:
//   rti_client <server host> <server port> [secret]
#include <picos/node.hpp>
#include <picos/picos.hpp>
#include <picos/rti.hpp>

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  if (argc < 3) {
    std::cerr << "usage: rti_client <server host> <server port> [secret]\n";
    return 2;
  }
  const picos::Location server{argv[1], static_cast<std::uint16_t>(std::stoi(argv[2]))};
  picos::NodeOptions options;
  options.secret = argc > 3 ? argv[3] : "picos-example";
  options.tcp_port = 0;
  picos::Node node(options);

  picos::Task client = picos::spawn([&]() -> int {
    if (!node.peer(server, 10s)) {
      std::cerr << "cannot reach " << server << " (see the log for the reason)\n";
      return 1;
    }
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
