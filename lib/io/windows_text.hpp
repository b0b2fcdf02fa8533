#pragma once
// UTF-8 (picos's strings) to UTF-16 (the wide Win32 calls).

#include <string>

namespace picos::detail {

// `text` as UTF-16. Throws std::system_error naming `what` when `text` is not UTF-8.
[[nodiscard]] std::wstring utf16_from_utf8(const std::string& text, const std::string& what);

}  // namespace picos::detail
