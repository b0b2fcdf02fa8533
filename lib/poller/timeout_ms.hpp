#pragma once
// Converts a poll() timeout in nanoseconds to whole milliseconds, rounding up (-1: no limit).

#include <climits>
#include <cstdint>

namespace picos::detail {

[[nodiscard]] inline int timeout_ms(std::int64_t timeout_ns) noexcept {
  if (timeout_ns < 0) return -1;
  const std::int64_t ms = timeout_ns / 1'000'000 + (timeout_ns % 1'000'000 != 0 ? 1 : 0);
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

}  // namespace picos::detail
