#pragma once
// Helpers shared by the io tests: connected loopback pairs and the backend under test.

#include "run_in.hpp"

#include <picos/picos.hpp>
#include <picos/socket.hpp>

#if defined(_WIN32)
#include <windows.h>
#else
#include <sys/resource.h>
#endif

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

namespace io_test {

// The backend PICOS_POLLER selects for this run (the suite is registered once per backend).
inline std::string backend() {
  const char* name = std::getenv("PICOS_POLLER");
  return name != nullptr ? name : "";
}

#if !defined(_WIN32)
// Raises this process's open-file limit to its hard limit (children spawned later inherit it) and
// returns the new soft limit.
inline std::uint64_t raise_fd_limit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  ::getrlimit(RLIMIT_NOFILE, &limit);
  return static_cast<std::uint64_t>(limit.rlim_cur);
}
#endif

// Waits for every task even after one failed (they use the caller's streams and counters, which
// must outlive them), then rethrows the first failure.
inline void finish_all(const std::vector<picos::Task>& tasks) {
  std::exception_ptr first;
  for (const auto& task : tasks) {
    try {
      task.finish(std::chrono::seconds(120));
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

// True in a Windows build running under Wine (whose ntdll exports wine_get_version).
inline bool running_under_wine() {
#if defined(_WIN32)
  const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  return ntdll != nullptr && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
#else
  return false;
#endif
}

#if defined(_WIN32)
// Both ends of a fresh named pipe opened for overlapped I/O (read end, write end), as HANDLEs in
// ints like AsyncFile and IoHandle keep them. Only the iocp backend serves them.
inline std::pair<int, int> overlapped_pipe() {
  static int count = 0;
  const std::wstring name = L"\\\\.\\pipe\\picos-io-test-" + std::to_wstring(::GetCurrentProcessId()) + L"-" +
                            std::to_wstring(++count);
  const DWORD mode = PIPE_ACCESS_INBOUND | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE;
  const HANDLE reader =
      ::CreateNamedPipeW(name.c_str(), mode, PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT, 1, 4096, 4096, 0, nullptr);
  REQUIRE(reader != INVALID_HANDLE_VALUE);
  const HANDLE writer =
      ::CreateFileW(name.c_str(), GENERIC_WRITE, 0, nullptr, OPEN_EXISTING, FILE_FLAG_OVERLAPPED, nullptr);
  REQUIRE(writer != INVALID_HANDLE_VALUE);
  return {static_cast<int>(reinterpret_cast<std::intptr_t>(reader)),
          static_cast<int>(reinterpret_cast<std::intptr_t>(writer))};
}
#endif

// A connected pair (client, server side) over IPv4 or IPv6 loopback. Call from a task.
inline std::pair<picos::TcpStream, picos::TcpStream> tcp_pair(
    picos::AddressFamily family = picos::AddressFamily::ipv4) {
  auto listener = picos::TcpListener::bind(picos::SocketAddress::loopback(0, family));
  auto client = picos::TcpStream::connect(listener.local_address());
  auto server = listener.accept();
  return {std::move(client), std::move(server)};
}

}  // namespace io_test
