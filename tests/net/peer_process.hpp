#pragma once
// Starting helper nodes (net_test_peer, named by PICOS_NET_TEST_PEER, and others) as other processes.

#include "net_support.hpp"

#include <picos/location.hpp>
#include <picos/subprocess.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace net_test {

// The helper binary named by the environment variable `variable` (the meson test sets it).
inline std::string helper_path(const char* variable = "PICOS_NET_TEST_PEER") {
  const char* path = std::getenv(variable);
  REQUIRE_MESSAGE(path != nullptr, variable << " must name the helper binary");
  return path;
}

// [B] Reads the "LOCATION <host> <port>" line a helper prints once its node listens (required
// within 10 s) and returns that location.
inline picos::Location read_location(picos::Subprocess& child) {
  std::istringstream line(child.readline(10s));
  std::string word;
  picos::Location location;
  line >> word >> location.host >> location.port;
  REQUIRE(word == "LOCATION");
  return location;
}

// [B] Runs `argv` (a helper that prints "LOCATION <host> <port>" once its node listens) and
// returns it with that location.
inline std::pair<picos::Subprocess, picos::Location> start_located_process(std::vector<std::string> argv) {
  picos::SubprocessOptions options;
  options.argv = std::move(argv);
  options.pipe_stderr = false;
  picos::Subprocess child = picos::Subprocess::spawn(options);
  const picos::Location location = read_location(child);
  return {std::move(child), location};
}

// [B] Starts a net_test_peer node (with `extra` arguments, see test_peer.cpp) and returns it with
// its location.
inline std::pair<picos::Subprocess, picos::Location> start_helper(const std::string& name, const std::string& secret,
                                                                  int heartbeat_ms, int timeout_ms,
                                                                  const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv{helper_path(), name, secret, std::to_string(heartbeat_ms), std::to_string(timeout_ms)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return start_located_process(std::move(argv));
}

}  // namespace net_test
