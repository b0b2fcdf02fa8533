#include "poller/winsock.hpp"

#include "poller/windows_errors.hpp"

namespace picos::detail {

void start_winsock() {
  // Winsock counts WSAStartup() calls; one for the process is kept until it exits.
  static const int error = [] {
    WSADATA data;
    return ::WSAStartup(MAKEWORD(2, 2), &data);
  }();
  if (error != 0) throw_windows(static_cast<unsigned long>(error), "WSAStartup");
}

}  // namespace picos::detail
