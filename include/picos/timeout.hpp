#pragma once
/// @file timeout.hpp
/// picos::Timeout: the optional limit every blocking picos call takes.

#include <chrono>
#include <cstdint>
#include <limits>

namespace picos {

/// A relative time limit for a blocking call, measured on the monotonic clock.
///
/// A default-constructed Timeout means "no limit". Any std::chrono duration converts implicitly,
/// so `receive(250ms)` works. A zero or negative duration means "do not wait": the call checks
/// once and reports a timeout at once if it cannot complete. Durations too large to represent in
/// nanoseconds saturate to "no limit".
class Timeout {
 public:
  /// No limit: the call waits until it completes. Never throws.
  constexpr Timeout() noexcept = default;

  /// A limit of `d` from now. Values that overflow nanoseconds mean "no limit". Never throws.
  template <class Rep, class Period>
  constexpr Timeout(std::chrono::duration<Rep, Period> d) noexcept  // NOLINT(google-explicit-constructor)
      : limited_(true) {
    using Ns = std::chrono::duration<long double, std::nano>;
    const long double ns = std::chrono::duration_cast<Ns>(d).count();
    if (ns >= static_cast<long double>(std::numeric_limits<std::int64_t>::max())) {
      limited_ = false;
    } else if (ns <= 0) {
      nanoseconds_ = 0;
    } else {
      nanoseconds_ = static_cast<std::int64_t>(ns);
    }
  }

  /// The "no limit" value, spelled out.
  [[nodiscard]] static constexpr Timeout infinite() noexcept { return Timeout{}; }

  /// True when this Timeout sets no limit.
  [[nodiscard]] constexpr bool is_infinite() const noexcept { return !limited_; }

  /// The limit in nanoseconds (0 for "do not wait"); meaningless when is_infinite().
  [[nodiscard]] constexpr std::chrono::nanoseconds duration() const noexcept {
    return std::chrono::nanoseconds(nanoseconds_);
  }

 private:
  bool limited_ = false;
  std::int64_t nanoseconds_ = 0;
};

}  // namespace picos
