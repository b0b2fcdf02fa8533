// rti_monitor_client: monitors every invocation of a remote service, successes and failures
// (pycos's RTI monitor client example). It locates "divide" offered by rti_monitor_server,
// makes a local task a monitor of the service (it receives a RemoteMonitorStatus for each task the
// service creates, with the result or the exception's type and text), runs a few divisions, one
// of them by zero, and prints both what the monitor saw and what each call returned. Start
// rti_monitor_server first, then:
//   rti_monitor_client <server host> <server port> [secret]
#include "../common/client_start.hpp"
#include <picos/node.hpp>
#include <picos/picos.hpp>
#include <picos/rti.hpp>

#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  const std::optional<example::ClientStart> start = example::parse_client_start(argc, argv, "rti_monitor_client");
  if (!start) return 2;
  const picos::Location& server = start->server;
  picos::Node node(start->options);
  const std::vector<std::pair<int, int>> divisions{{10, 2}, {7, 0}, {9, 3}};

  picos::Task client = picos::spawn([&]() -> int {
    if (!example::reach_server(node, server)) return 1;
    std::optional<picos::rti::RemoteService> divide = picos::rti::locate(node, "divide", server, 10s);
    if (!divide) {
      std::cerr << "no service 'divide' at " << server << '\n';
      return 1;
    }
    picos::Task watcher = picos::spawn([count = divisions.size()] {
      for (std::size_t seen = 0; seen < count;) {
        std::optional<picos::Message> message = picos::this_task::receive(30s);
        if (!message) return;
        auto* status = message->get_if<picos::RemoteMonitorStatus>();
        if (status == nullptr) continue;
        ++seen;
        std::cout << "monitor: " << status->task << " " << picos::to_string(status->kind);
        if (status->kind == picos::RemoteMonitorStatus::Kind::finished) std::cout << " " << status->value.get<int>();
        if (!status->error_message.empty()) std::cout << " (" << status->error_type << ": " << status->error_message << ")";
        std::cout << std::endl;
      }
    });
    if (!divide->monitor(watcher, 10s)) {
      std::cerr << "the server refused the monitor\n";
      return 1;
    }
    for (const auto& [a, b] : divisions) {
      try {
        const int quotient = divide->call(10s, a, b).result<int>(10s);
        std::cout << a << " / " << b << " = " << quotient << std::endl;
      } catch (const picos::rti::RemoteError& error) {
        std::cout << a << " / " << b << " failed: " << error.error_type() << ": " << error.error_message() << std::endl;
      }
    }
    (void)watcher.finish(30s);
    return 0;
  });
  return client.value().get<int>();
}
