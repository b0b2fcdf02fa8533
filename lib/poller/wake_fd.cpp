#include "poller/wake_fd.hpp"

#include "poller/io_errors.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

namespace picos::detail {

WakeFd::WakeFd() {
  fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd_ < 0) throw_errno(errno, "eventfd");
}

WakeFd::~WakeFd() { ::close(fd_); }

void WakeFd::signal() noexcept {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(fd_, &one, sizeof one);
}

void WakeFd::drain() noexcept {
  std::uint64_t count = 0;
  [[maybe_unused]] const auto n = ::read(fd_, &count, sizeof count);
}

}  // namespace picos::detail
