#pragma once
// Helpers shared by the net tests: loopback node options, bounded waits for messages, and the
// numbered streams of the helper's sink tasks (test_peer_tasks.hpp).

#include "echo_protocol.hpp"

#include <picos/node.hpp>
#include <picos/picos.hpp>
#include <picos/receive.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace net_test {

// What a task streaming to one remote task may stage past NodeOptions::max_outbox_bytes (a
// send_batch frame's payload at most; see Node::send).
inline constexpr std::size_t staged_frame_bytes = 64 * 1024;

using namespace std::chrono_literals;

// A node on 127.0.0.1 with an ephemeral port and fast heartbeats.
inline picos::NodeOptions loopback_options(std::string name, std::string secret = "test-secret") {
  picos::NodeOptions options;
  options.name = std::move(name);
  options.secret = std::move(secret);
  options.hosts = {"127.0.0.1"};
  options.tcp_port = 0;
  options.heartbeat_interval = 100ms;
  options.heartbeat_timeout = 1000ms;
  options.connect_timeout = 3000ms;
  return options;
}

// [B] From a task: the next message holding a T within `timeout`, skipping other messages.
template <class T>
std::optional<T> next_of(picos::Timeout timeout = std::chrono::seconds(10)) {
  return picos::this_task::receive_as<T>(timeout);
}

// A numbered message: its index in decimal, padded to `size` bytes (see run_sink()).
inline std::string numbered(std::size_t index, std::size_t size) {
  std::string text = std::to_string(index);
  text.resize(std::max(size, text.size()), '.');
  return text;
}

// "m0", "m1", ...: the texts the echo tests send. (Built by appending: `"m" + to_string(i)` makes
// g++ 12 -O3 warn falsely.)
inline std::string echo_text(int index) {
  std::string text = "m";
  text += std::to_string(index);
  return text;
}

// [B] From a task: asks the sink `sink` (through `node`) what it has received and returns its
// answer, "<received> <out of order>"; empty when none came within `limit`.
inline std::string sink_count(picos::Node& node, const picos::RemoteTask& sink, std::chrono::milliseconds limit) {
  const EchoRequest request{node.export_task(picos::this_task::current()), ""};
  if (node.deliver(sink, request, limit) != picos::Delivery::delivered) return {};
  return next_of<std::string>(limit).value_or("");
}

}  // namespace net_test
