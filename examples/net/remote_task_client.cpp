// remote_task_client: a node that finds the task "upper" registered by remote_task_server in
// another process and talks to it. It connects to the server's node (authenticated with the shared
// secret), locates the task by name, sends a few requests with its own RemoteTask as the reply
// address, prints the replies (they arrive in the order sent), and monitors the remote task so it
// would be told if the server went away. Start the server first, then:
//   remote_task_client <server host> <server port> [secret]
#include "remote_protocol.hpp"

#include <picos/node.hpp>
#include <picos/picos.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  if (argc < 3) {
    std::cerr << "usage: remote_task_client <server host> <server port> [secret]\n";
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
