#pragma once
// The exceptions every I/O operation reports (see poller.hpp): std::system_error carrying the
// errno, std::errc::timed_out at a deadline, std::errc::operation_canceled after a close.

#include <string>

namespace picos::detail {

// Throws std::system_error(error) with "picos: <what>" as its context.
[[noreturn]] void throw_errno(int error, const char* what);
// Throws std::system_error(std::errc::timed_out): "picos: <what> timed out".
[[noreturn]] void throw_timed_out(const char* what);
// Throws std::system_error(std::errc::operation_canceled): "picos: <what>: closed while waiting".
[[noreturn]] void throw_closed(const char* what);

}  // namespace picos::detail
