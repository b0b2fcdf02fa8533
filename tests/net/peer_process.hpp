#pragma once
// Starting helper nodes (net_test_peer, named by PICOS_NET_TEST_PEER, and others) as other processes.

#include "net_support.hpp"

#include <picos/location.hpp>
#include <picos/subprocess.hpp>

#include <doctest/doctest.h>

#if defined(_WIN32)
#include <windows.h>
#include <tlhelp32.h>
#endif

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

// [N] Kills `child` at once, as `kill -9` would (TerminateProcess on Windows).
inline void kill_process(picos::Subprocess& child) { child.kill(9); }

#if defined(_WIN32)

// Calls `each(thread_handle)` for every thread of process `pid` (opened with suspend/resume and
// context access); false when the threads cannot be listed or none could be opened.
template <class Each>
bool for_each_thread(int pid, Each each) {
  const HANDLE snapshot = ::CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
  if (snapshot == INVALID_HANDLE_VALUE) return false;
  THREADENTRY32 entry{};
  entry.dwSize = sizeof entry;
  bool any = false;
  for (BOOL more = ::Thread32First(snapshot, &entry); more; more = ::Thread32Next(snapshot, &entry)) {
    if (entry.th32OwnerProcessID != static_cast<DWORD>(pid)) continue;
    const HANDLE thread = ::OpenThread(THREAD_SUSPEND_RESUME | THREAD_GET_CONTEXT, FALSE, entry.th32ThreadID);
    if (thread == nullptr) continue;
    any = each(thread) || any;
    ::CloseHandle(thread);
  }
  ::CloseHandle(snapshot);
  return any;
}

// [B] Suspends every thread of `child` (the Windows counterpart of SIGSTOP). SuspendThread on
// another process's thread may return before the thread has stopped; GetThreadContext waits
// until it has. False if no thread could be suspended.
inline bool stop_process(picos::Subprocess& child) {
  return for_each_thread(child.pids().front(), [](HANDLE thread) {
    if (::SuspendThread(thread) == static_cast<DWORD>(-1)) return false;
    CONTEXT context{};
    context.ContextFlags = CONTEXT_CONTROL;
    (void)::GetThreadContext(thread, &context);
    return true;
  });
}

// [N] Resumes the threads stop_process() suspended (SIGCONT).
inline void continue_process(picos::Subprocess& child) {
  (void)for_each_thread(child.pids().front(), [](HANDLE thread) { return ::ResumeThread(thread) != static_cast<DWORD>(-1); });
}

#else

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

// [N] Lets a process stopped by stop_process() run again (SIGCONT).
inline void continue_process(picos::Subprocess& child) { child.kill(SIGCONT); }

#endif

}  // namespace net_test
