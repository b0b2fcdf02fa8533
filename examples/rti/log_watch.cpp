// log_watch: follows a log file on many nodes at once (pycos's node watcher example). It joins
// the network (connecting to each --peer HOST:PORT, and finding the others by UDP discovery with
// --discover) and subscribes to peer status: for every peer that comes online it locates the
// "log_watch" service of log_watch_server there and calls it, which starts
// `tail -F FILE | grep PATTERN` on that peer; each matching line arrives as a message and is
// printed as "PEER: LINE" (PEER is the node's name). When a peer goes offline its watch is
// dropped; a peer without the service is noted and left alone. Notes go to stderr in brackets.
// It stops after --seconds N (0, the default: on Ctrl-C or SIGTERM), telling every peer to stop
// its pipe. --backlog N starts with the last N lines of the file. Each --peer is dialled once,
// at the start; --discover (pinging again every 10 s) also finds nodes that start later.
//   log_watch (--peer HOST:PORT ... | --discover) --file FILE --pattern PATTERN [--backlog N]
//             [--seconds N] [--host HOST] [--secret S] [--name NAME]
#include "../common/client_start.hpp"
#include "../common/stop_signals.hpp"
#include "log_watch_protocol.hpp"

#include <picos/node.hpp>
#include <picos/picos.hpp>
#include <picos/rti.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Settings {
  std::string file;
  std::string pattern;
  int backlog = 0;
  double seconds = 0;  // the watch's length; 0: until stopped
};

// Local messages to the watcher task: a watch started (or why not), a watch ended, stop.
struct Started {
  std::int64_t watch = 0;
  std::optional<picos::rti::Invocation> run;
  std::string failure;
};
struct Ended {
  std::int64_t watch = 0;
  picos::RemoteMonitorStatus status;
};
struct Stop {};

// One peer's watch, as the watcher task knows it.
struct Watch {
  std::string peer;  // the node's name
  std::optional<picos::rti::Invocation> run;
};

class Watcher {
 public:
  Watcher(picos::Node& node, Settings settings) : node_(node), settings_(std::move(settings)) {}

  // The watcher task: runs until it receives Stop, then stops every watch (up to 10 s).
  int run() {
    self_ = picos::this_task::current();
    reply_to_ = node_.export_task(self_);
    started_at_ = Clock::now();
    node_.peer_status(self_);
    for (;;) {
      picos::Message message = picos::this_task::receive();
      if (message.is<Stop>()) break;
      handle(message);
    }
    node_.drop_peer_status(self_);
    stopping_ = true;
    for (const auto& [id, watch] : watches_)
      if (watch.run) node_.send(watch.run->task(), std::string("stop"));
    const Clock::time_point deadline = Clock::now() + 10s;
    while (started_count() > 0) {
      std::optional<picos::Message> message = picos::this_task::receive(deadline - Clock::now());
      if (!message) break;
      handle(*message);
    }
    std::cerr << "[stopped after " << lines_ << " lines; " << started_count() << " watches did not confirm]"
              << std::endl;
    return 0;
  }

 private:
  void handle(picos::Message& message) {
    if (const auto* line = message.get_if<example::WatchLine>()) {
      const auto found = watches_.find(line->watch);
      if (found == watches_.end()) return;  // a dropped watch's last lines
      std::cout << found->second.peer << ": " << line->text << std::endl;
      ++lines_;
    } else if (const auto* status = message.get_if<picos::PeerStatus>()) {
      if (status->status == picos::PeerStatus::Status::online) online(*status);
      else offline(*status);
    } else if (auto* started = message.get_if<Started>()) {
      const auto found = watches_.find(started->watch);
      if (found == watches_.end() || stopping_) {  // its peer went offline meanwhile, or the end came
        if (started->run) node_.send(started->run->task(), std::string("stop"));
      }
      if (found == watches_.end()) {
        return;
      } else if (started->run) {
        found->second.run = std::move(started->run);
        std::cerr << "[" << found->second.peer << ": watching " << settings_.file << "]" << std::endl;
      } else {
        std::cerr << "[" << found->second.peer << ": not watched: " << started->failure << "]" << std::endl;
        watches_.erase(found);  // the peer stays in by_peer_: not asked again while it is online
      }
    } else if (const auto* ended = message.get_if<Ended>()) {
      const auto found = watches_.find(ended->watch);
      if (found == watches_.end()) return;
      std::cerr << "[" << found->second.peer << ": watch ended, " << picos::to_string(ended->status.kind);
      if (!ended->status.error_message.empty()) std::cerr << ": " << ended->status.error_message;
      std::cerr << "]" << std::endl;
      watches_.erase(found);
    }
  }

  // A peer came online: a task locates its service and starts the watch, so that a slow peer
  // does not hold up the lines of the others.
  void online(const picos::PeerStatus& status) {
    if (by_peer_.contains(status.location)) return;
    const std::int64_t id = next_id_++;
    by_peer_[status.location] = id;
    watches_[id] = Watch{status.name, std::nullopt};
    double seconds = 0;  // the peer stops by itself a little after this watcher should have
    if (settings_.seconds > 0)
      seconds = settings_.seconds + 5 - std::chrono::duration<double>(Clock::now() - started_at_).count();
    picos::TaskOptions daemon;
    daemon.daemon = true;
    picos::spawn(daemon, [this, at = status.location, id, seconds, self = self_] {
      Started started{id, std::nullopt, {}};
      try {
        std::optional<picos::rti::RemoteService> service;
        // A server that has just come online may not have registered its service yet.
        for (int attempt = 0; attempt < 3 && !service; ++attempt) {
          if (attempt > 0) picos::this_task::sleep(1s);
          service = picos::rti::locate(node_, example::log_watch_service, at, 5s);
        }
        if (service) {
          started.run = service->call(10s, settings_.file, settings_.pattern, settings_.backlog, seconds, reply_to_, id);
        } else {
          started.failure = std::string("no '") + example::log_watch_service + "' service";
        }
      } catch (const std::exception& error) {
        started.failure = error.what();
      }
      const std::optional<picos::rti::Invocation> run = started.run;
      self.send(std::move(started));
      // Its end: the peer stopped it (or it failed), or the peer went offline (unreachable).
      if (run) self.send(Ended{id, run->wait()});
    });
  }

  void offline(const picos::PeerStatus& status) {
    const auto found = by_peer_.find(status.location);
    if (found == by_peer_.end()) return;
    std::cerr << "[" << status.name << " offline]" << std::endl;
    watches_.erase(found->second);
    by_peer_.erase(found);
  }

  // Watches running (started and not ended).
  [[nodiscard]] std::size_t started_count() const {
    std::size_t count = 0;
    for (const auto& [id, watch] : watches_) count += watch.run ? 1 : 0;
    return count;
  }

  picos::Node& node_;
  const Settings settings_;
  picos::Task self_;
  picos::RemoteTask reply_to_;
  Clock::time_point started_at_;
  std::map<std::int64_t, Watch> watches_;          // by watch number
  std::map<picos::Location, std::int64_t> by_peer_;  // the watch of each online peer
  std::int64_t next_id_ = 1;
  long lines_ = 0;
  bool stopping_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  const example::StopSignals stop_signals;  // before any thread starts
  picos::NodeOptions options;
  options.secret = "picos-example";
  options.tcp_port = 0;
  Settings settings;
  const char* usage =
      "usage: log_watch (--peer HOST:PORT ... | --discover) --file FILE --pattern PATTERN [--backlog N]\n"
      "                 [--seconds N] [--host HOST] [--secret S] [--name NAME]\n";
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (example::take_node_option(argc, argv, i, options)) continue;
    if (std::strcmp(argv[i], "--peer") == 0 && has_value) {
      const std::optional<picos::Location> peer = example::parse_location(argv[++i]);
      if (!peer) {
        std::cerr << "log_watch: --peer wants HOST:PORT\n";
        return 2;
      }
      options.peers.push_back(*peer);
    } else if (std::strcmp(argv[i], "--file") == 0 && has_value) {
      settings.file = argv[++i];
    } else if (std::strcmp(argv[i], "--pattern") == 0 && has_value) {
      settings.pattern = argv[++i];
    } else if (std::strcmp(argv[i], "--backlog") == 0 && has_value) {
      settings.backlog = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--seconds") == 0 && has_value) {
      settings.seconds = std::stod(argv[++i]);
    } else {
      std::cerr << usage;
      return 2;
    }
  }
  if (settings.file.empty() || settings.pattern.empty() || (options.peers.empty() && !options.discover_peers)) {
    std::cerr << usage;
    return 2;
  }
  if (options.discover_peers) options.discovery_interval = 10s;  // finds servers started later too

  picos::Node node(options);
  Watcher watcher(node, settings);
  picos::Task task = picos::spawn([&watcher] { return watcher.run(); });
  const auto limit = settings.seconds > 0
                         ? std::optional(std::chrono::milliseconds(static_cast<long>(settings.seconds * 1000)))
                         : std::nullopt;
  stop_signals.wait(limit);
  task.send(Stop{});
  int status = 1;
  try {
    status = task.value(20s).get<int>();
  } catch (const std::exception& error) {
    std::cerr << "log_watch: " << error.what() << '\n';
  }
  // Unwinds the tasks still starting or awaiting watches before the Watcher and Node they use go.
  picos::Scheduler::instance().terminate();
  return status;
}
