// log_watch_server: the watched side of log_watch (pycos's node watcher example). It joins the
// network and offers the remote task invocation service "log_watch": each call runs the pipe
// `tail -n BACKLOG -F FILE | grep --line-buffered -e PATTERN` as a picos::Subprocess pipeline
// and sends every matching line to the calling watcher's task as a message, until the watcher
// says stop, its task ends or its node goes offline (the invocation monitors it), or the
// watcher's time limit passes; then the pipe is killed. Only files below --allow DIR (default
// /var/log) may be watched. Ctrl-C (or SIGTERM), or --seconds N, stops it and every watch.
//   log_watch_server [--host HOST] [--port N] [--secret S] [--name NAME] [--discover]
//                    [--allow DIR] [--seconds N]
// Then, anywhere on the network: log_watch --peer HOST:PORT --file FILE --pattern PATTERN
#include "../common/child_lines.hpp"
#include "../common/client_start.hpp"
#include "../common/stop_signals.hpp"
#include "log_watch_protocol.hpp"

#include <picos/node.hpp>
#include <picos/picos.hpp>
#include <picos/rti.hpp>
#include <picos/subprocess.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

class LogWatcher {
 public:
  LogWatcher(picos::Node& node, fs::path allowed) : node_(node), allowed_(std::move(allowed)) {}

  // The body of the service (see log_watch_protocol.hpp); runs in the invocation's task.
  std::int64_t watch(const std::string& file, const std::string& pattern, int backlog, double seconds,
                     const picos::RemoteTask& watcher, std::int64_t id) const {
    const fs::path path = checked_path(file);
    std::optional<Clock::time_point> deadline;
    if (seconds > 0)
      deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));

    std::vector<picos::SubprocessOptions> pipe(2);
    pipe[0].argv = {"tail", "-n", std::to_string(std::clamp(backlog, 0, 10000)), "-F", path.string()};
    pipe[1].argv = {"grep", "--line-buffered", "-e", pattern};  // a pattern, never a shell command
    for (picos::SubprocessOptions& child : pipe) {
      child.pipe_stdin = false;   // tail reads its file, not stdin
      child.pipe_stderr = false;  // their complaints go to this server's stderr
    }
    example::ChildGuard guard;  // kills the pipe however this ends
    guard.child = std::make_shared<picos::Subprocess>(picos::Subprocess::pipeline(std::move(pipe)));
    const picos::Task self = picos::this_task::current();
    guard.readers.push_back(example::spawn_line_reader(guard.child, false, self, [id](std::string line) {
      return example::WatchLine{id, std::move(line)};
    }));
    if (!node_.monitor(self, watcher, std::chrono::seconds(10)))
      throw std::runtime_error("cannot monitor the watcher " + watcher.to_string());
    std::cout << "watching " << path.string() << " for '" << pattern << "' for " << watcher << std::endl;

    std::int64_t sent = 0;
    std::string reason;
    while (reason.empty()) {
      const picos::Timeout left = deadline ? picos::Timeout(*deadline - Clock::now()) : picos::Timeout::infinite();
      std::optional<picos::Message> message = picos::this_task::receive(left);
      if (!message) {
        reason = "time limit";
      } else if (message->is<example::WatchLine>()) {
        if (node_.send(watcher, *message)) ++sent;
        else reason = "the watcher's node is offline";
      } else if (message->is<picos::RemoteMonitorStatus>()) {
        reason = std::string("the watcher ") + picos::to_string(message->get<picos::RemoteMonitorStatus>().kind);
      } else if (message->is<std::string>() && message->get<std::string>() == "stop") {
        reason = "stopped by the watcher";
      } else if (message->is<example::LinesEnded>()) {
        reason = "the pipe ended";
      }
    }
    std::cout << "watch of " << path.string() << " for " << watcher << " ended (" << reason << "): " << sent
              << " lines sent" << std::endl;
    return sent;
  }

 private:
  // The real path of `file` when it is a regular file below the allowed directory; throws
  // otherwise (the watcher's invocation fails with the reason).
  [[nodiscard]] fs::path checked_path(const std::string& file) const {
    std::error_code error;
    const fs::path path = fs::canonical(file, error);
    if (error) throw std::runtime_error("cannot watch " + file + ": " + error.message());
    const auto [end, unused] = std::mismatch(allowed_.begin(), allowed_.end(), path.begin(), path.end());
    if (end != allowed_.end() || path == allowed_)
      throw std::invalid_argument(file + " is not below " + allowed_.string() + " (see --allow)");
    if (!fs::is_regular_file(path)) throw std::invalid_argument(file + " is not a regular file");
    return path;
  }

  picos::Node& node_;
  fs::path allowed_;
};

}  // namespace

int main(int argc, char** argv) {
  const example::StopSignals stop_signals;  // before any thread starts
  picos::NodeOptions options;
  options.secret = "picos-example";
  std::string allowed = "/var/log";
  double seconds = 0;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (example::take_node_option(argc, argv, i, options)) continue;
    if (std::strcmp(argv[i], "--allow") == 0 && has_value) {
      allowed = argv[++i];
    } else if (std::strcmp(argv[i], "--seconds") == 0 && has_value) {
      seconds = std::stod(argv[++i]);
    } else {
      std::cerr << "usage: log_watch_server [--host HOST] [--port N] [--secret S] [--name NAME] [--discover]\n"
                   "                        [--allow DIR] [--seconds N]\n";
      return 2;
    }
  }
  std::error_code error;
  const fs::path allowed_path = fs::canonical(allowed, error);
  if (error || !fs::is_directory(allowed_path)) {
    std::cerr << "log_watch_server: --allow wants a directory: " << allowed << '\n';
    return 2;
  }
  picos::Node node(options);
  const LogWatcher watcher(node, allowed_path);
  picos::rti::Service service(
      node, example::log_watch_service,
      [&watcher](std::string file, std::string pattern, int backlog, double limit, picos::RemoteTask watcher_task,
                 std::int64_t id) { return watcher.watch(file, pattern, backlog, limit, watcher_task, id); });

  std::cout << "log_watch_server " << node.name() << " at " << node.location().host << ' ' << node.location().port
            << std::endl;
  std::optional<std::chrono::milliseconds> limit;
  if (seconds > 0) limit = std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  example::serve_until_stopped(stop_signals, service, limit);  // then the watches' pipes are killed
  std::cout << "stopped" << std::endl;
  picos::Scheduler::instance().terminate();
  return 0;
}
