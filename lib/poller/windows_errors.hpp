#pragma once
// Windows error codes (GetLastError, WSAGetLastError, IOCP completion statuses) as the errno values
// that picos' std::system_error exceptions carry on every platform, so callers compare them with
// std::errc the same way everywhere.

namespace picos::detail {

// The errno value for a Win32 or Winsock error code (EIO when there is no closer one).
[[nodiscard]] int errno_from_windows(unsigned long error) noexcept;
// Throws std::system_error for Win32/Winsock `error`; the message also names the original code.
[[noreturn]] void throw_windows(unsigned long error, const char* what);

}  // namespace picos::detail
