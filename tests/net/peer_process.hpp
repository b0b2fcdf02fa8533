#pragma once
// Starting helper nodes (net_test_peer, named by PICOS_NET_TEST_PEER, and others) as other processes.

#include "net_support.hpp"

#include <picos/location.hpp>
#include <picos/subprocess.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
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

// True when every thread of process `pid` is stopped (state T or t in /proc/PID/task/*/stat).
inline bool all_threads_stopped(int pid) {
  std::error_code error;
  std::filesystem::directory_iterator tasks("/proc/" + std::to_string(pid) + "/task", error);
  if (error) return false;
  for (const auto& task : tasks) {
    std::ifstream in(task.path() / "stat");
    std::string line;
    std::getline(in, line);
    const auto name_end = line.rfind(')');
    if (name_end == std::string::npos || name_end + 2 >= line.size()) return false;
    const char state = line[name_end + 2];
    if (state != 'T' && state != 't') return false;
  }
  return true;
}

// [B] Sends SIGSTOP to `child` and waits (up to 5 s) until all its threads have stopped: kill()
// returns before a thread running on another CPU is stopped, and a request sent meanwhile may
// still be answered. False if they did not stop in time.
inline bool stop_process(picos::Subprocess& child) {
  child.kill(SIGSTOP);
  const int pid = child.pids().front();
  for (int i = 0; i < 500; ++i) {
    if (all_threads_stopped(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace net_test
