// Helper process for the net tests: a node on 127.0.0.1 (ephemeral port) that prints
// "LOCATION <host> <port>" and serves registered tasks until its stdin closes:
// - "echo": sends the text of each EchoRequest back to its reply_to;
// - "worker": waits for one string: "finish" returns 42, "fail" throws std::runtime_error;
// - "file-sender": for each string "<host> <port> <path>", sends that file to the node there.
// Usage: net_test_peer <name> <secret> <heartbeat interval ms> <heartbeat timeout ms>
#include "echo_protocol.hpp"

#include <picos/node.hpp>
#include <picos/picos.hpp>

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: net_test_peer <name> <secret> <heartbeat ms> <heartbeat timeout ms>\n";
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
  picos::Task file_sender = picos::spawn([&node] {
    for (;;) {
      picos::Message message = picos::this_task::receive();
      const auto* text = message.get_if<std::string>();
      if (text == nullptr) continue;
      std::istringstream order(*text);
      picos::Location to;
      std::string path;
      order >> to.host >> to.port >> path;
      (void)node.peer(to, std::chrono::seconds(5));
      const picos::FileResult result = node.send_file(to, path, "", true, std::chrono::seconds(60));
      std::cerr << "net_test_peer: send_file " << path << ": " << picos::to_string(result.status) << '\n';
    }
  });
  node.register_task("echo", echo);
  node.register_task("file-sender", file_sender);
  node.register_task("worker", worker);

  std::cout << "LOCATION " << node.location().host << ' ' << node.location().port << std::endl;
  char byte = 0;
  while (::read(0, &byte, 1) > 0) {
  }
  picos::Scheduler::instance().terminate();
  return 0;
}
