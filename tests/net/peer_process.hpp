#pragma once
// Starting the helper node net_test_peer (named by PICOS_NET_TEST_PEER) as another process.

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

inline std::string helper_path() {
  const char* path = std::getenv("PICOS_NET_TEST_PEER");
  REQUIRE_MESSAGE(path != nullptr, "PICOS_NET_TEST_PEER must name the net_test_peer binary");
  return path;
}

// [B] Starts a helper node (with `extra` arguments, see test_peer.cpp) and returns it with its
// location.
inline std::pair<picos::Subprocess, picos::Location> start_helper(const std::string& name, const std::string& secret,
                                                                  int heartbeat_ms, int timeout_ms,
                                                                  const std::vector<std::string>& extra = {}) {
  picos::SubprocessOptions options;
  options.argv = {helper_path(), name, secret, std::to_string(heartbeat_ms), std::to_string(timeout_ms)};
  options.argv.insert(options.argv.end(), extra.begin(), extra.end());
  options.pipe_stderr = false;
  picos::Subprocess child = picos::Subprocess::spawn(options);
  std::istringstream line(child.readline(10s));
  std::string word;
  picos::Location location;
  line >> word >> location.host >> location.port;
  REQUIRE(word == "LOCATION");
  return {std::move(child), location};
}

}  // namespace net_test
