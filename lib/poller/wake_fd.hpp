#pragma once
// An eventfd that any thread can signal to make a poller return (Linux).

#include <cstdint>

namespace picos::detail {

class WakeFd {
 public:
  WakeFd();  // throws std::system_error
  ~WakeFd();
  WakeFd(const WakeFd&) = delete;
  WakeFd& operator=(const WakeFd&) = delete;
  [[nodiscard]] int fd() const noexcept { return fd_; }
  void signal() noexcept;  // thread-safe
  void drain() noexcept;

 private:
  int fd_ = -1;
};

}  // namespace picos::detail
