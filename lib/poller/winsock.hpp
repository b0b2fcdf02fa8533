#pragma once
// Winsock start-up and the int <-> SOCKET/HANDLE conversions used by the Windows backends (see
// io/os_socket.hpp for why a handle fits an int).

#include <winsock2.h>
#include <windows.h>

#include <cstdint>

namespace picos::detail {

// WSAStartup() once per process (thread-safe); throws std::system_error when it fails.
void start_winsock();

[[nodiscard]] inline SOCKET as_socket(int fd) noexcept { return static_cast<SOCKET>(static_cast<std::intptr_t>(fd)); }
[[nodiscard]] inline HANDLE as_handle(int fd) noexcept { return reinterpret_cast<HANDLE>(static_cast<std::intptr_t>(fd)); }
[[nodiscard]] inline int as_fd(SOCKET socket) noexcept { return static_cast<int>(static_cast<std::intptr_t>(socket)); }
[[nodiscard]] inline int as_fd(HANDLE handle) noexcept {
  return static_cast<int>(reinterpret_cast<std::intptr_t>(handle));
}

}  // namespace picos::detail
