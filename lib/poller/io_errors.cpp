#include "poller/io_errors.hpp"

#include <system_error>

namespace picos::detail {

void throw_errno(int error, const char* what) {
  throw std::system_error(error, std::generic_category(), std::string("picos: ") + what);
}

void throw_timed_out(const char* what) {
  // The words are in the text too: mingw's C library has no message for ETIMEDOUT.
  throw std::system_error(std::make_error_code(std::errc::timed_out), std::string("picos: ") + what + " timed out");
}

void throw_closed(const char* what) {
  throw std::system_error(std::make_error_code(std::errc::operation_canceled),
                          std::string("picos: ") + what + ": the handle was closed");
}

}  // namespace picos::detail
