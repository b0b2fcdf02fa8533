// remote_task_client: a node that finds the task "upper" registered by remote_task_server in
// another process and talks to it. It connects to the server's node (authenticated with the shared
// secret), locates the task by name, sends a few requests with its own RemoteTask as the reply
// address, prints the replies (they arrive in the order sent), and monitors the remote task so it
// would be told if the server went away. Start the server first, then:
//   remote_task_client <server host> <server port> [secret]
#include "../common/client_start.hpp"
#include "remote_protocol.hpp"

#include <picos/node.hpp>
#include <picos/picos.hpp>

#include <iostream>
#include <optional>
#include <string>

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  const std::optional<example::ClientStart> start = example::parse_client_start(argc, argv, "remote_task_client");
  if (!start) return 2;
  const picos::Location& server = start->server;
  picos::Node node(start->options);

  picos::Task client = picos::spawn([&]() -> int {
    if (!example::reach_server(node, server)) return 1;
    std::optional<picos::RemoteTask> upper = node.locate("upper", server, 10s);
    if (!upper) {
      std::cerr << "no task 'upper' at " << server << '\n';
      return 1;
    }
    std::cout << "found " << *upper << std::endl;
    node.monitor(picos::this_task::current(), *upper, 10s);
    const picos::RemoteTask self = node.export_task(picos::this_task::current());
    for (const char* word : {"hello", "remote", "tasks"}) node.send(*upper, example::UpperRequest{self, word});
    for (int received = 0; received < 3;) {
      std::optional<picos::Message> reply = picos::this_task::receive(10s);
      if (!reply) {
        std::cerr << "no reply within 10 s\n";
        return 1;
      }
      if (auto* text = reply->get_if<std::string>()) {
        std::cout << "reply: " << *text << std::endl;
        ++received;
      } else if (auto* status = reply->get_if<picos::RemoteMonitorStatus>()) {
        std::cerr << "the server task ended: " << picos::to_string(status->kind) << '\n';
        return 1;
      }
    }
    return 0;
  });
  return client.value(60s).get<int>();
}
