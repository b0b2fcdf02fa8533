// remote_task_server: a node that serves a registered task to other processes (pycos's
// remote task examples). It joins the network on a TCP port (default 9705, ephemeral if busy),
// registers the task "upper" which answers every UpperRequest by sending the upper-cased text back
// to the requester's RemoteTask, and prints the peers that come and go. Run it, then start
// remote_task_client with the printed host and port (and the same secret) in another terminal;
// press Ctrl-D (end of input) to stop the server.
//   remote_task_server [secret] [port]
#include "remote_protocol.hpp"

#include <picos/node.hpp>
#include <picos/picos.hpp>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  picos::NodeOptions options;
  options.secret = argc > 1 ? argv[1] : "picos-example";
  if (argc > 2) options.tcp_port = static_cast<std::uint16_t>(std::stoi(argv[2]));
  picos::Node node(options);

  picos::Task upper = picos::spawn([&node] {
    for (;;) {
      picos::Message message = picos::this_task::receive();
      auto* request = message.get_if<example::UpperRequest>();
      if (request == nullptr) continue;
      std::string text = request->text;
      std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
      node.send(request->reply_to, text);
    }
  });
  node.register_task("upper", upper);

  picos::Task reporter = picos::spawn([] {
    for (;;) {
      picos::Message message = picos::this_task::receive();
      if (auto* status = message.get_if<picos::PeerStatus>()) {
        std::cout << "peer " << status->name << " at " << status->location
                  << (status->status == picos::PeerStatus::Status::online ? " online" : " offline") << std::endl;
      }
    }
  });
  node.peer_status(reporter);

  std::cout << "server " << node.name() << " at " << node.location().host << ' ' << node.location().port
            << " (Ctrl-D to stop)" << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  picos::Scheduler::instance().terminate();
  return 0;
}
