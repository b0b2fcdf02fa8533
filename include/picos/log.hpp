#pragma once
/// @file log.hpp
/// The picos logger: pycos's levels and line format `YYYY-mm-dd HH:MM:SS.mmm name - message`.

#include <functional>
#include <sstream>
#include <string>
#include <string_view>

namespace picos {

/// Log levels with pycos's numeric values.
enum class LogLevel : int { debug = 10, info = 20, warning = 30, error = 40, critical = 50 };

/// The current threshold: messages below it are dropped. The initial value comes from the
/// environment variable PICOS_LOG (debug, info, warning, error, critical; default warning).
/// Thread-safe; never throws.
[[nodiscard]] LogLevel log_level() noexcept;

/// Sets the threshold. Thread-safe; never throws.
void set_log_level(LogLevel level) noexcept;

/// Parses "debug", "info", "warning", "error" or "critical" (any case). Throws
/// std::invalid_argument naming the bad value.
[[nodiscard]] LogLevel parse_log_level(std::string_view text);

/// Where formatted lines go (default: standard error). The sink receives the level and the whole
/// line without a trailing newline. Pass an empty function to restore the default. Thread-safe.
void set_log_sink(std::function<void(LogLevel, const std::string&)> sink);

/// Formats one line `YYYY-mm-dd HH:MM:SS.mmm <logger> - <message>` (local time).
[[nodiscard]] std::string format_log_line(std::string_view logger, std::string_view message);

/// Writes `message` at `level` under the logger name "picos" (or `logger`). Thread-safe; never
/// blocks a task for longer than one write to the sink; never throws.
void log_message(LogLevel level, std::string_view message, std::string_view logger = "picos") noexcept;

/// Streams all `parts` into one message and logs it, only when `level` passes the threshold.
template <class... Parts>
void log(LogLevel level, const Parts&... parts) noexcept {
  if (static_cast<int>(level) < static_cast<int>(log_level())) return;
  try {
    std::ostringstream out;
    (out << ... << parts);
    log_message(level, out.str());
  } catch (...) {  // logging must never throw into the caller
  }
}

}  // namespace picos
