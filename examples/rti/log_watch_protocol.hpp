#pragma once
// The message type shared by log_watch_server and log_watch, and the name of the service.

#include <picos/serialization.hpp>

#include <cstdint>
#include <string>

namespace example {

// The function log_watch_server offers:
//   std::int64_t log_watch(std::string file, std::string pattern, int backlog, double seconds,
//                          picos::RemoteTask watcher, std::int64_t watch)
// runs `tail -n BACKLOG -F FILE | grep PATTERN` and sends each matching line to `watcher` as a
// WatchLine tagged `watch`, until the watcher sends it the string "stop", the watcher's task ends
// or its node goes offline, or `seconds` pass (0: no limit). Returns the number of lines sent.
inline constexpr const char* log_watch_service = "log_watch";

// A matching line (without its '\n') of the watch numbered `watch` by the watcher.
struct WatchLine {
  std::int64_t watch = 0;
  std::string text;
  template <class Archive>
  void serialize(Archive& archive) { archive(watch, text); }
};

}  // namespace example

PICOS_MESSAGE_TYPE(example::WatchLine, "example.watch_line");
