#pragma once
// The tasks every net_test_peer mode serves, and its way of running until stdin closes.

#include "echo_protocol.hpp"

#include <picos/node.hpp>
#include <picos/picos.hpp>

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace net_test {

// The body of the "sink" tasks: receives numbered strings (a decimal index, then any padding)
// and counts them and those out of order (index != count so far); for each EchoRequest it sends
// "<received> <out of order>" to reply_to. A slow sink sleeps 1 ms after every 10 strings.
inline void run_sink(picos::Node& node, bool slow) {
  std::uint64_t received = 0;
  std::uint64_t out_of_order = 0;
  for (;;) {
    picos::Message message = picos::this_task::receive();
    if (auto* text = message.get_if<std::string>()) {
      if (std::strtoull(text->c_str(), nullptr, 10) != received) ++out_of_order;
      ++received;
      if (slow && received % 10 == 0) picos::this_task::sleep(std::chrono::milliseconds(1));
    } else if (auto* request = message.get_if<EchoRequest>()) {
      node.send(request->reply_to, std::to_string(received) + " " + std::to_string(out_of_order));
    }
  }
}

// Registers on `node`:
// - "echo": sends the text of each EchoRequest back to its reply_to;
// - "worker": waits for one string: "finish" returns 42, "fail" throws std::runtime_error;
// - "file-sender": for each string "<host> <port> <path>", sends that file to the node there;
// - "sink" and "slow-sink": see run_sink();
// - "streamer": for each EchoRequest whose text is a count N, sends the ints 0..N-1 to reply_to,
//   pausing 1 ms after every 50 (a stream that lasts a while).
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
  picos::Task sink = picos::spawn([&node] { run_sink(node, false); });
  picos::Task slow_sink = picos::spawn([&node] { run_sink(node, true); });
  picos::Task streamer = picos::spawn([&node] {
    for (;;) {
      picos::Message message = picos::this_task::receive();
      const auto* request = message.get_if<EchoRequest>();
      if (request == nullptr) continue;
      const int count = std::stoi(request->text);
      for (int i = 0; i < count; ++i) {
        if (!node.send(request->reply_to, i)) break;
        if (i % 50 == 49) picos::this_task::sleep(std::chrono::milliseconds(1));
      }
    }
  });
  node.register_task("echo", echo);
  node.register_task("sink", sink);
  node.register_task("slow-sink", slow_sink);
  node.register_task("streamer", streamer);
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
