#pragma once
// The tasks every net_test_peer mode serves, and its way of running until stdin closes.

#include "echo_protocol.hpp"

#include <picos/node.hpp>
#include <picos/picos.hpp>

#include <unistd.h>

#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace net_test {

// Registers on `node`:
// - "echo": sends the text of each EchoRequest back to its reply_to;
// - "worker": waits for one string: "finish" returns 42, "fail" throws std::runtime_error;
// - "file-sender": for each string "<host> <port> <path>", sends that file to the node there.
inline void register_peer_tasks(picos::Node& node) {
  picos::Task echo = picos::spawn([&node] {
    for (;;) {
      picos::Message message = picos::this_task::receive();
      if (auto* request = message.get_if<EchoRequest>()) node.send(request->reply_to, request->text);
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
}

// [B] Returns when stdin closes, then ends the tasks of the default scheduler.
inline void serve_until_stdin_closes() {
  char byte = 0;
  while (::read(0, &byte, 1) > 0) {
  }
  picos::Scheduler::instance().terminate();
}

}  // namespace net_test
