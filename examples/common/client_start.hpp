#pragma once
// The start the remote example clients share: "<program> <server host> <server port> [secret]"
// becomes the server's Location and a node on an ephemeral port with that secret; the clients
// that take "--peer HOST:PORT" or "--discover" instead use parse_location() and find_at().

#include <picos/location.hpp>
#include <picos/node.hpp>
#include <picos/this_task.hpp>

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

// Takes argv[i] when it is one of the node options the examples share, with its value (i then
// points at the value): --host HOST, --port N, --secret S, --name NAME, --discover. False when
// argv[i] is none of them (or lacks its value). Throws std::invalid_argument for a bad port.
inline bool take_node_option(int argc, char** argv, int& i, picos::NodeOptions& options) {
  const std::string option = argv[i];
  if (option == "--discover") {
    options.discover_peers = true;
    return true;
  }
  if (i + 1 >= argc) return false;
  const std::string value = argv[i + 1];
  if (option == "--host") options.hosts = {value};
  else if (option == "--port") options.tcp_port = static_cast<std::uint16_t>(std::stoi(value));
  else if (option == "--secret") options.secret = value;
  else if (option == "--name") options.name = value;
  else return false;
  ++i;
  return true;
}

// "HOST:PORT" ("[IPv6]:PORT" too) as a Location; std::nullopt when the text is not that.
inline std::optional<picos::Location> parse_location(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  std::string host = text.substr(0, colon);
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  try {
    const int port = std::stoi(text.substr(colon + 1));
    if (port <= 0 || port > 65535) return std::nullopt;
    return picos::Location{host, static_cast<std::uint16_t>(port)};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// [B] Finds something offered by a peer with `find(where, timeout)` (a node.locate_channel() or
// rti::locate() call returning an optional): at `server` after connecting to it (10 s each), or,
// without a server, at every peer found so far by discovery, once a second for up to `attempts`
// seconds (discovery may take a while to find the server). Must be called from a task.
template <class Find>
auto find_at(picos::Node& node, const std::optional<picos::Location>& server, Find find, int attempts = 30)
    -> decltype(find(server, picos::Timeout{})) {
  if (server) {
    if (!node.peer(*server, std::chrono::seconds(10))) return std::nullopt;
    return find(server, std::chrono::seconds(10));
  }
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (auto found = find(std::nullopt, std::chrono::seconds(1))) return found;
    picos::this_task::sleep(std::chrono::seconds(1));
  }
  return std::nullopt;
}

}  // namespace example
