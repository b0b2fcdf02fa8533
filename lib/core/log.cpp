#include <picos/log.hpp>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <string>

namespace picos {
namespace {

LogLevel level_from_environment() noexcept {
  const char* text = std::getenv("PICOS_LOG");
  if (text == nullptr || *text == '\0') return LogLevel::warning;
  try {
    return parse_log_level(text);
  } catch (const std::exception&) {
    std::fprintf(stderr, "picos: ignoring PICOS_LOG=%s (use debug, info, warning, error or critical)\n", text);
    return LogLevel::warning;
  }
}

std::atomic<int>& threshold() noexcept {
  static std::atomic<int> value{static_cast<int>(level_from_environment())};
  return value;
}

// Leaked on purpose: tasks may still log while static destructors run at process exit.
struct Sink {
  std::mutex mutex;
  std::function<void(LogLevel, const std::string&)> custom;
};
Sink& sink() {
  static auto* instance = new Sink;
  return *instance;
}

}  // namespace

LogLevel log_level() noexcept { return static_cast<LogLevel>(threshold().load(std::memory_order_relaxed)); }

void set_log_level(LogLevel level) noexcept { threshold().store(static_cast<int>(level), std::memory_order_relaxed); }

LogLevel parse_log_level(std::string_view text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "debug") return LogLevel::debug;
  if (lower == "info") return LogLevel::info;
  if (lower == "warning" || lower == "warn") return LogLevel::warning;
  if (lower == "error") return LogLevel::error;
  if (lower == "critical") return LogLevel::critical;
  throw std::invalid_argument("picos: unknown log level '" + std::string(text) +
                              "' (use debug, info, warning, error or critical)");
}

void set_log_sink(std::function<void(LogLevel, const std::string&)> custom) {
  std::lock_guard<std::mutex> lock(sink().mutex);
  sink().custom = std::move(custom);
}

std::string format_log_line(std::string_view logger, std::string_view message) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm local{};
  localtime_r(&seconds, &local);
  char stamp[32];
  const std::size_t length = std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
  std::string line(stamp, length);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03d", static_cast<int>(millis));
  line += fraction;
  line += ' ';
  line += logger;
  line += " - ";
  line += message;
  return line;
}

void log_message(LogLevel level, std::string_view message, std::string_view logger) noexcept {
  if (static_cast<int>(level) < static_cast<int>(log_level())) return;
  try {
    const std::string line = format_log_line(logger, message);
    std::lock_guard<std::mutex> lock(sink().mutex);
    if (sink().custom) {
      sink().custom(level, line);
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
  } catch (...) {  // logging never throws into the caller
  }
}

}  // namespace picos
