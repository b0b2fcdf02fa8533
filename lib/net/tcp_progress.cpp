#include "net/tcp_progress.hpp"

#if defined(__linux__)
// The kernel's struct tcp_info (glibc's copy in <netinet/tcp.h> stops before tcpi_bytes_acked),
// so this file includes no <netinet/tcp.h>.
#include <netinet/in.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstddef>
#endif

namespace picos::net {

#if defined(__linux__)

std::optional<std::uint64_t> acknowledged_bytes(int fd) noexcept {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return std::nullopt;
  // Older kernels fill a shorter structure.
  if (length < offsetof(tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked) return std::nullopt;
  return info.tcpi_bytes_acked;
}

std::optional<std::uint64_t> unacknowledged_bytes(int fd) noexcept {
  int queued = 0;
  if (::ioctl(fd, SIOCOUTQ, &queued) != 0 || queued < 0) return std::nullopt;
  return static_cast<std::uint64_t>(queued);
}

#else

std::optional<std::uint64_t> acknowledged_bytes(int /*fd*/) noexcept { return std::nullopt; }

std::optional<std::uint64_t> unacknowledged_bytes(int /*fd*/) noexcept { return std::nullopt; }

#endif

}  // namespace picos::net
