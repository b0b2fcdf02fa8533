#include "io/windows_text.hpp"

#include "poller/windows_errors.hpp"
#include "poller/winsock.hpp"

namespace picos::detail {

std::wstring utf16_from_utf8(const std::string& text, const std::string& what) {
  if (text.empty()) return {};
  const int length = ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(), static_cast<int>(text.size()),
                                           nullptr, 0);
  if (length <= 0) throw_windows(::GetLastError(), (what + ": not UTF-8").c_str());
  std::wstring result(static_cast<std::size_t>(length), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), result.data(), length);
  return result;
}

}  // namespace picos::detail
