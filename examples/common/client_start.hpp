#pragma once
// The start every remote example client shares: "<program> <server host> <server port> [secret]"
// becomes the server's Location and a node on an ephemeral port with that secret.

#include <picos/location.hpp>
#include <picos/node.hpp>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

namespace example {

struct ClientStart {
  picos::Location server;
  picos::NodeOptions options;
};

// The server and node options from the command line; std::nullopt (after printing the usage)
// when they are missing.
inline std::optional<ClientStart> parse_client_start(int argc, char** argv, const char* program) {
  if (argc < 3) {
    std::cerr << "usage: " << program << " <server host> <server port> [secret]\n";
    return std::nullopt;
  }
  ClientStart start;
  start.server = picos::Location{argv[1], static_cast<std::uint16_t>(std::stoi(argv[2]))};
  start.options.secret = argc > 3 ? argv[3] : "picos-example";
  start.options.tcp_port = 0;
  return start;
}

// [B] Connects `node` to `server` (up to 10 s); false, after saying so, when it cannot.
inline bool reach_server(picos::Node& node, const picos::Location& server) {
  if (node.peer(server, std::chrono::seconds(10))) return true;
  std::cerr << "cannot reach " << server << " (see the log for the reason)\n";
  return false;
}

}  // namespace example
