// rti_service: offers a function to other processes by remote task invocation (pycos's RTI
// service example). It joins the network on a TCP port (default 9705, ephemeral if busy) and
// registers the service "compute" (int n, double seconds) -> long: each call runs in its own task,
// sleeps `seconds` and returns n * n. Run it, then rti_client with the printed host and port (and
// the same secret) in another terminal; press Ctrl-D (end of input) to stop.
//   rti_service [secret] [port]
#include <picos/node.hpp>
#include <picos/picos.hpp>
#include <picos/rti.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  picos::NodeOptions options;
  options.secret = argc > 1 ? argv[1] : "picos-example";
  if (argc > 2) options.tcp_port = static_cast<std::uint16_t>(std::stoi(argv[2]));
  picos::Node node(options);

  picos::rti::Service compute(node, "compute", [](int n, double seconds) -> long {
    std::cout << "computing " << n << " in " << picos::this_task::current() << std::endl;
    picos::this_task::sleep(std::chrono::duration<double>(seconds));
    return static_cast<long>(n) * n;
  });

  std::cout << "service " << compute.name() << " " << compute.signature() << " at " << node.location().host << ' '
            << node.location().port << " (Ctrl-D to stop)" << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  compute.close();
  picos::Scheduler::instance().terminate();
  return 0;
}
