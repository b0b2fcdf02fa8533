// rti_node_server: a node that runs shell scripts its peers send it (pycos's RTI node server
// example). Peers copy a script into this node's dest_path with send_file, then call the remote
// task invocation service "run_script" naming that file: each call runs `/bin/sh FILE ARGS...` in
// dest_path as a picos::Subprocess (in a process group of its own, through setsid) and streams
// every line the script writes (stdout and stderr) to the caller's task as a message, then
// returns the exit status. A script that runs longer than the caller's time limit (at most
// --max-seconds) is killed with the commands it started and the call fails with that reason; so
// does a call naming a file that is not there. A script whose caller goes away (its task ends,
// its node goes offline) is killed too. Only peers that know the secret can
// send or run anything, but those may run any command as this process's user: run it in a
// sandbox. Ctrl-C (or SIGTERM) stops it, killing the scripts still running.
//   rti_node_server [--host HOST] [--port N] [--secret S] [--name NAME] [--discover]
//                   [--dest DIR] [--max-file-size BYTES] [--max-seconds N]
// Then, in another terminal: rti_node_client --peer HOST:PORT script.sh [ARGS...]
#include "../common/child_lines.hpp"
#include "../common/client_start.hpp"
#include "../common/stop_signals.hpp"
#include "rti_node_protocol.hpp"

#include <picos/node.hpp>
#include <picos/picos.hpp>
#include <picos/rti.hpp>
#include <picos/subprocess.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

class ScriptRunner {
 public:
  ScriptRunner(picos::Node& node, double max_seconds) : node_(node), max_seconds_(max_seconds) {}

  // The body of the service (see rti_node_protocol.hpp); runs in the invocation's task.
  int run(const std::string& file, const std::vector<std::string>& args, const picos::RemoteTask& output,
          double seconds) const {
    if (file.empty() || file == "." || file == ".." || file.find('/') != std::string::npos)
      throw std::invalid_argument("'" + file + "' is not a file name");
    const std::filesystem::path dest(node_.dest_path());
    if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(dest / file)))
      throw std::runtime_error("no script '" + file + "' in " + dest.string() + " (send it first)");
    const double limit = seconds > 0 ? std::min(seconds, max_seconds_) : max_seconds_;
    const Clock::time_point deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limit));
    std::cout << "running " << file << " for " << output.origin << std::endl;

    // setsid makes the shell lead a new process group (and session), so the guard can kill the
    // commands the script starts too, and a terminal's Ctrl-C does not reach them.
    picos::SubprocessOptions options;
    options.argv = {"setsid", "/bin/sh", file};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.cwd = dest.string();
    example::ChildGuard guard;  // kills the script and what it started however this ends
    guard.child = std::make_shared<picos::Subprocess>(picos::Subprocess::spawn(std::move(options)));
    guard.child->close_stdin();  // a script that reads its input gets end of file
    const picos::Task self = picos::this_task::current();
    for (const std::uint8_t stream : {example::ScriptOutput::out, example::ScriptOutput::err}) {
      guard.readers.push_back(example::spawn_line_reader(guard.child, stream == example::ScriptOutput::err, self,
                                                         [stream](std::string line) {
                                                           return example::ScriptOutput{stream, std::move(line)};
                                                         }));
    }

    // The caller's task ending, or its node going offline, ends the run at once.
    if (!node_.monitor(self, output, std::chrono::seconds(10)))
      throw std::runtime_error("cannot monitor the caller's task " + output.to_string());

    // Only this task sends to `output`, so the lines arrive in the order they are forwarded and
    // the end message after all of them.
    std::ostringstream too_long_text;
    too_long_text << file << " ran longer than " << limit << " s and was killed";
    const std::string too_long = too_long_text.str();
    for (int open_streams = 2; open_streams > 0;) {
      std::optional<picos::Message> message = picos::this_task::receive(deadline - Clock::now());
      if (!message) throw std::runtime_error(too_long);
      if (message->is<example::LinesEnded>()) {
        --open_streams;
      } else if (message->is<example::ScriptOutput>()) {
        if (!node_.send(output, *message)) throw std::runtime_error("the caller's node went offline");
      } else if (const auto* caller = message->get_if<picos::RemoteMonitorStatus>()) {
        throw std::runtime_error(file + " was killed: the caller's task " + picos::to_string(caller->kind));
      }
    }
    int status = 0;
    try {
      status = guard.child->wait(deadline - Clock::now());
    } catch (const std::system_error&) {
      throw std::runtime_error(too_long);
    }
    node_.send(output, example::ScriptOutput{example::ScriptOutput::end, std::to_string(status)});
    std::cout << file << " for " << output.origin << " exited with " << status << std::endl;
    return status;
  }

 private:
  picos::Node& node_;
  double max_seconds_;
};

}  // namespace

int main(int argc, char** argv) {
  const example::StopSignals stop_signals;  // before any thread starts
  picos::NodeOptions options;
  options.secret = "picos-example";
  options.max_file_size = 1024 * 1024;
  double max_seconds = 60;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (example::take_node_option(argc, argv, i, options)) continue;
    if (std::strcmp(argv[i], "--dest") == 0 && has_value) options.dest_path = argv[++i];
    else if (std::strcmp(argv[i], "--max-file-size") == 0 && has_value) options.max_file_size = std::stoull(argv[++i]);
    else if (std::strcmp(argv[i], "--max-seconds") == 0 && has_value) max_seconds = std::stod(argv[++i]);
    else {
      std::cerr << "usage: rti_node_server [--host HOST] [--port N] [--secret S] [--name NAME] [--discover]\n"
                   "                       [--dest DIR] [--max-file-size BYTES] [--max-seconds N]\n";
      return 2;
    }
  }
  picos::Node node(options);
  const ScriptRunner runner(node, max_seconds);
  picos::rti::Service service(node, example::run_script_service,
                              [&runner](std::string file, std::vector<std::string> args, picos::RemoteTask output,
                                        double seconds) { return runner.run(file, args, output, seconds); });

  std::cout << "scripts are kept in " << node.dest_path() << std::endl;
  std::cout << "rti_node_server at " << node.location().host << ' ' << node.location().port << std::endl;
  example::serve_until_stopped(stop_signals, service);  // then the running scripts are killed
  std::cout << "stopped" << std::endl;
  picos::Scheduler::instance().terminate();
  return 0;
}
