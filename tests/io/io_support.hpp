#pragma once
// Helpers shared by the io tests: connected loopback pairs and the backend under test.

#include "run_in.hpp"

#include <picos/picos.hpp>
#include <picos/socket.hpp>

#if defined(_WIN32)
#include <windows.h>
#endif

#include <cstdlib>
#include <string>
#include <utility>

namespace io_test {

// The backend PICOS_POLLER selects for this run (the suite is registered once per backend).
inline std::string backend() {
  const char* name = std::getenv("PICOS_POLLER");
  return name != nullptr ? name : "";
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

// A connected pair (client, server side) over IPv4 or IPv6 loopback. Call from a task.
inline std::pair<picos::TcpStream, picos::TcpStream> tcp_pair(
    picos::AddressFamily family = picos::AddressFamily::ipv4) {
  auto listener = picos::TcpListener::bind(picos::SocketAddress::loopback(0, family));
  auto client = picos::TcpStream::connect(listener.local_address());
  auto server = listener.accept();
  return {std::move(client), std::move(server)};
}

}  // namespace io_test
