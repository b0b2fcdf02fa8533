// rti_node_client: runs a local shell script on a remote rti_node_server (pycos's RTI node client
// example). It finds the server's "run_script" service (at --peer HOST:PORT, or at whichever peer
// UDP discovery finds with --discover), copies the script there with send_file, calls the service
// naming the copied file, prints each line the script writes as it arrives (its stdout here on
// stdout, its stderr on stderr), then "exit status N", and deletes the copy (del_file) unless
// --keep is given. --no-send runs a file already at the server instead. Every step has a time
// limit (--seconds N bounds the script's run, default 30), so a lost server or a stuck script
// ends the client with a message instead of a hang. Exit status: 0 when the script ran and
// exited with 0, 1 for anything else (refused file, missing script, failure, non-zero exit), 2
// for a usage error.
//   rti_node_client (--peer HOST:PORT | --discover) [--host HOST] [--secret S] [--name NAME]
//                   [--seconds N] [--keep] [--no-send] SCRIPT [ARGS...]
#include "../common/client_start.hpp"
#include "rti_node_protocol.hpp"

#include <picos/node.hpp>
#include <picos/picos.hpp>
#include <picos/rti.hpp>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Request {
  std::optional<picos::Location> server;
  std::string script;              // the local file
  std::vector<std::string> args;   // for the script
  double seconds = 30;             // the script's run time limit
  bool keep = false;               // no del_file afterwards
  bool send = true;                // send_file first
};

// What the waiter task tells the client when the invocation's outcome is known (or not in time).
struct Outcome {
  std::optional<picos::RemoteMonitorStatus> status;
};

// [B] Calls the service and prints the script's output until its end and the call's outcome
// have both arrived; returns the script's exit status, or std::nullopt after saying what failed.
std::optional<int> run_remote(picos::Node& node, const picos::rti::RemoteService& service, const Request& request,
                              const std::string& file) {
  const picos::Task self = picos::this_task::current();
  std::optional<picos::rti::Invocation> run;
  try {
    run = service.call(10s, file, request.args, node.export_task(self), request.seconds);
  } catch (const std::exception& error) {  // CallError, or no answer in time
    std::cerr << "rti_node_client: cannot call " << service.reference().to_string() << ": " << error.what() << '\n';
    return std::nullopt;
  }
  // The server stops the script after request.seconds; this margin covers the messages' trip.
  const auto limit = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(request.seconds)) + 15s;
  picos::TaskOptions daemon;
  daemon.daemon = true;
  picos::spawn(daemon, [run = *run, self, limit] {
    Outcome outcome;
    try {
      outcome.status = run.wait(limit);
    } catch (const std::system_error&) {  // timed out: outcome.status stays empty
    }
    self.send(std::move(outcome));
  });

  const Clock::time_point deadline = Clock::now() + limit;
  bool output_ended = false;
  std::optional<int> exit_status;
  while (!output_ended || !exit_status) {
    std::optional<picos::Message> message = picos::this_task::receive(deadline - Clock::now());
    if (!message) {
      std::cerr << "rti_node_client: no end of " << file << " from the server in time\n";
      return std::nullopt;
    }
    if (const auto* output = message->get_if<example::ScriptOutput>()) {
      if (output->stream == example::ScriptOutput::out) std::cout << output->text << std::endl;
      else if (output->stream == example::ScriptOutput::err) std::cerr << output->text << std::endl;
      else output_ended = true;
    } else if (auto* outcome = message->get_if<Outcome>()) {
      if (!outcome->status) {
        std::cerr << "rti_node_client: " << file << " did not end in time\n";
        return std::nullopt;
      }
      const picos::RemoteMonitorStatus& status = *outcome->status;
      if (status.kind != picos::RemoteMonitorStatus::Kind::finished) {
        std::cerr << "rti_node_client: running " << file << " " << picos::to_string(status.kind);
        if (!status.error_message.empty()) std::cerr << ": " << status.error_message;
        std::cerr << '\n';
        return std::nullopt;
      }
      const int* code = status.value.get_if<int>();
      if (code == nullptr) {
        std::cerr << "rti_node_client: the server answered something other than an exit status\n";
        return std::nullopt;
      }
      exit_status = *code;
    }
  }
  return exit_status;
}

// [B] The whole client: find the service, send the script, run it, delete it. Returns the exit
// status of the program.
int client(picos::Node& node, const Request& request) {
  const std::optional<picos::rti::RemoteService> service = example::find_at(
      node, request.server, [&node](std::optional<picos::Location> where, picos::Timeout timeout) {
        return picos::rti::locate(node, example::run_script_service, std::move(where), timeout);
      });
  if (!service) {
    std::cerr << "rti_node_client: no service '" << example::run_script_service << "' found\n";
    return 1;
  }
  const picos::Location& at = service->reference().origin;
  const std::string file = std::filesystem::path(request.script).filename().string();
  if (request.send) {
    const picos::FileResult sent = node.send_file(at, request.script, {}, true, 60s);
    if (!sent) {
      std::cerr << "rti_node_client: " << at << " did not take " << request.script << ": "
                << picos::to_string(sent.status) << " (" << sent.reason << ")\n";
      return 1;
    }
    std::cerr << "sent " << request.script << " to " << at << " (" << sent.bytes_sent << " bytes)" << std::endl;
  }
  const std::optional<int> status = run_remote(node, *service, request, file);
  if (status) std::cout << "exit status " << *status << std::endl;
  if (request.send && !request.keep) {
    const picos::FileResult deleted = node.del_file(at, file, {}, 10s);
    if (!deleted) {
      std::cerr << "rti_node_client: cannot delete " << file << " at " << at << ": " << picos::to_string(deleted.status)
                << " (" << deleted.reason << ")\n";
      return 1;
    }
  }
  return status == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  picos::NodeOptions options;
  options.secret = "picos-example";
  options.tcp_port = 0;
  Request request;
  const char* usage =
      "usage: rti_node_client (--peer HOST:PORT | --discover) [--host HOST] [--secret S] [--name NAME]\n"
      "                       [--seconds N] [--keep] [--no-send] SCRIPT [ARGS...]\n";
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; ++i) {
    const bool has_value = i + 1 < argc;
    if (example::take_node_option(argc, argv, i, options)) continue;
    if (std::strcmp(argv[i], "--peer") == 0 && has_value) {
      request.server = example::parse_location(argv[++i]);
      if (!request.server) {
        std::cerr << "rti_node_client: --peer wants HOST:PORT\n";
        return 2;
      }
    } else if (std::strcmp(argv[i], "--seconds") == 0 && has_value) {
      request.seconds = std::stod(argv[++i]);
    } else if (std::strcmp(argv[i], "--keep") == 0) {
      request.keep = true;
    } else if (std::strcmp(argv[i], "--no-send") == 0) {
      request.send = false;
    } else {
      std::cerr << usage;
      return 2;
    }
  }
  if (i == argc || (!request.server && !options.discover_peers) || !(request.seconds > 0)) {
    std::cerr << usage;
    return 2;
  }
  request.script = argv[i];
  request.args.assign(argv + i + 1, argv + argc);
  picos::Node node(options);
  picos::Task task = picos::spawn([&node, &request] { return client(node, request); });
  const int status = task.value().get<int>();
  picos::Scheduler::instance().terminate();  // the outcome waiter, if it still waits, before the Node goes
  return status;
}
