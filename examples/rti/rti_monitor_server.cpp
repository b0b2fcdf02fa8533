// rti_monitor_server: a service whose calls may fail (pycos's RTI monitor server example). It
// registers "divide" (int a, int b) -> int, which throws std::domain_error when b is 0, and
// prints the status of every call it serves (a local monitor of the service). Run it, then
// rti_monitor_client with the printed host and port (and the same secret); Ctrl-D stops it.
//   rti_monitor_server [secret] [port]
#include <picos/node.hpp>
#include <picos/picos.hpp>
#include <picos/rti.hpp>

#include <iostream>
#include <stdexcept>
#include <string>

int main(int argc, char** argv) {
  picos::NodeOptions options;
  options.secret = argc > 1 ? argv[1] : "picos-example";
  if (argc > 2) options.tcp_port = static_cast<std::uint16_t>(std::stoi(argv[2]));
  picos::Node node(options);

  picos::rti::Service divide(node, "divide", [](int a, int b) {
    if (b == 0) throw std::domain_error("division of " + std::to_string(a) + " by zero");
    return a / b;
  });
  picos::Task reporter = picos::spawn([] {
    for (;;) {
      picos::Message message = picos::this_task::receive();
      auto* status = message.get_if<picos::RemoteMonitorStatus>();
      if (status == nullptr) continue;
      std::cout << "served " << status->task << ": " << picos::to_string(status->kind);
      if (status->kind == picos::RemoteMonitorStatus::Kind::finished) std::cout << " " << status->value.get<int>();
      if (!status->error_message.empty()) std::cout << " (" << status->error_type << ": " << status->error_message << ")";
      std::cout << std::endl;
    }
  });
  divide.monitor(reporter);

  std::cout << "service divide at " << node.location().host << ' ' << node.location().port << " (Ctrl-D to stop)"
            << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  divide.close();
  picos::Scheduler::instance().terminate();
  return 0;
}
