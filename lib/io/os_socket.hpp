#pragma once
// The socket and descriptor calls whose spelling differs between POSIX and Winsock, so the socket
// code is written once: os_socket_posix.cpp and os_socket_windows.cpp implement them. On Windows
// a SOCKET or HANDLE is kept in an int: Windows documents that only the low 32 bits of a kernel
// handle are significant (64-bit handles are sign-extended 32-bit values).

#if defined(_WIN32)
#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
#else
#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

#include <cstddef>

namespace picos::detail {

#if defined(_WIN32)
inline constexpr int shutdown_read = SD_RECEIVE;
inline constexpr int shutdown_write = SD_SEND;
inline constexpr int shutdown_both = SD_BOTH;
#else
inline constexpr int shutdown_read = SHUT_RD;
inline constexpr int shutdown_write = SHUT_WR;
inline constexpr int shutdown_both = SHUT_RDWR;
#endif

// A new non-blocking, non-inherited socket. Throws std::system_error.
[[nodiscard]] int open_socket(int family, int type);
// Makes an existing descriptor non-blocking and non-inherited. Throws std::system_error.
void make_non_blocking(int fd, bool is_socket);
// Closes a descriptor (closesocket()/CloseHandle() on Windows). Never throws.
void close_native(int fd, bool is_socket) noexcept;
// Sets up a listening socket's address options before bind(): POSIX lets it rebind a port whose
// old connections linger in TIME_WAIT (SO_REUSEADDR); Windows does that by default, and there
// SO_REUSEADDR would let another socket take over the port, so it gets SO_EXCLUSIVEADDRUSE.
// Throws std::system_error.
void prepare_listener_address(int fd);
// Sends what the (non-blocking) socket `fd` accepts at once, bypassing the poller: the bytes
// sent, 0 when none or on any error (left for the next ordinary write to report). Never throws.
[[nodiscard]] std::size_t send_without_waiting(int fd, const void* data, std::size_t size) noexcept;
// The errno value of the last failed socket call on this thread (WSAGetLastError() mapped).
[[nodiscard]] int last_socket_error() noexcept;
// Starts the socket library once per process (WSAStartup on Windows; nothing elsewhere).
void start_sockets();

}  // namespace picos::detail
