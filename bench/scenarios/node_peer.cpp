// picos-node-peer: the remote side of the distributed scenarios (remote_stream, remote_deliver,
// locate), an ordinary picos program. It runs a Node on 127.0.0.1 (any free port), prints
// "node listening on PORT" and serves these registered tasks until it is killed:
// - "sink" (remote_stream): takes a reply address (RemoteTask), then a count n (u64), then counts
//   the strings that follow, checking that each is the next payload (bench/common/remote.hpp);
//   after the n-th it sends {received, out_of_order} (vector<u64>) to the reply address;
// - "acker" (remote_deliver): takes and drops whatever arrives (Node::deliver is acknowledged once
//   the message is queued for it);
// - with an argument NAME, an idle task registered under NAME (locate).
// It ends with its parent process (PR_SET_PDEATHSIG) and after an hour at most. It logs errors
// only: the measuring node leaving (reported as a warning) is how every run ends.
//
//   picos-node-peer [NAME]
#include <picos/log.hpp>
#include <picos/node.hpp>
#include <picos/picos.hpp>

#include <sys/prctl.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <thread>
#include <vector>

#include "../common/remote.hpp"

namespace {

constexpr auto lifetime_limit = std::chrono::hours(1);

void run_sink(picos::Node& node) {
  picos::RemoteTask reply_to;
  std::uint64_t expected = 0;
  std::uint64_t received = 0;
  std::uint64_t out_of_order = 0;
  for (;;) {
    picos::Message message = picos::this_task::receive();
    if (const auto* text = message.get_if<std::string>()) {
      if (!picos_bench::remote::is_payload(text->data(), text->size(), received)) ++out_of_order;
      if (++received == expected) {
        node.send(reply_to, picos::Message(std::vector<std::uint64_t>{received, out_of_order}));
      }
    } else if (const auto* count = message.get_if<std::uint64_t>()) {
      expected = *count;
      received = 0;
      out_of_order = 0;
    } else if (const auto* address = message.get_if<picos::RemoteTask>()) {
      reply_to = *address;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2) {
    std::fprintf(stderr, "usage: %s [NAME]\n", argv[0]);
    return 2;
  }
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  picos::set_log_level(picos::LogLevel::error);
  try {
    picos::NodeOptions options;
    options.name = "bench-peer";
    options.secret = "picos-bench";
    options.hosts = {"127.0.0.1"};
    options.tcp_port = 0;
    picos::Node node(options);
    node.register_task("sink", picos::spawn([&node] { run_sink(node); }));
    node.register_task("acker", picos::spawn([] {
      for (;;) (void)picos::this_task::receive();
    }));
    if (argc == 2) node.register_task(argv[1], picos::spawn([] { (void)picos::this_task::receive(); }));
    std::printf("node listening on %u\n", static_cast<unsigned>(node.location().port));
    std::fflush(stdout);
    std::this_thread::sleep_for(lifetime_limit);
    picos::Scheduler::instance().terminate();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "picos-node-peer: %s\n", e.what());
    return 1;
  }
  return 0;
}
