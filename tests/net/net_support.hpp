#pragma once
// Helpers shared by the net tests: loopback node options and bounded waits for messages.

#include <picos/node.hpp>
#include <picos/picos.hpp>
#include <picos/receive.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace net_test {

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

}  // namespace net_test
