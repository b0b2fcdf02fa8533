// Multi-host tests (suite "hosts"): fault injection between lab hosts (network namespaces, see
// netns_support.hpp). Host 0's node runs in this process; host 1 runs net_test_peer in "discover"
// mode (its tasks "sink", "slow-sink" and "streamer" are described in test_peer_tasks.hpp).
// Faults: loss and delay on host 1's link, a slow link carrying a long backlog, a peer frozen
// while a stream is sent to it, a total silence on the link (a half-open connection: no FIN nor
// RST ever arrives), a reader slower than its sender, and a sender killed in mid-stream.
//
// Loss and delay come from netem (`tc qdisc ... netem`) when the kernel has it. Kernels built
// without sch_netem get a substitute that injects real faults too, and the test says so: an
// nftables rule drops packets at random (`numgen random`), a token bucket (tbf) slower than the
// stream delays packets in its queue (and drops what overflows it), and a token bucket whose burst
// is smaller than any packet drops every packet.
#include "echo_protocol.hpp"
#include "hosts_support.hpp"
#include "run_in.hpp"

#include <picos/node.hpp>

#include <doctest/doctest.h>

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <memory>

using namespace net_test;
using picos::Delivery;
using picos::PeerStatus;
using picos::RemoteMonitorStatus;
using picos::RemoteTask;
namespace this_task = picos::this_task;

namespace {

// For the tests that load the link: a peer is declared offline only after 5 s of silence, so
// that queueing and retransmissions are not mistaken for a dead peer.
constexpr int patient_timeout_ms = 5000;

picos::NodeOptions patient_options(std::string name) {
  picos::NodeOptions options = host_options(std::move(name));
  options.heartbeat_timeout = std::chrono::milliseconds(patient_timeout_ms);
  return options;
}

// Loss and delay on both directions of host `index`'s link.
bool impair_with_loss_and_delay(const NetnsLab& lab, int index) {
  if (lab.impair(index, "netem loss 5% delay 20ms")) {
    MESSAGE("fault: netem loss 5% delay 20ms on host " << index);
    return true;
  }
  if (!lab.impair(index, "tbf rate 2mbit burst 8kb latency 30ms")) return false;
  if (lab.drop_randomly(index, 5)) {
    MESSAGE("NOTE: this kernel has no sch_netem qdisc; 5% random loss comes from nftables (numgen random) "
            "and delay from a token bucket (tbf rate 2mbit burst 8kb latency 30ms: queueing delay)");
  } else {
    MESSAGE("NOTE: this kernel has no sch_netem qdisc and nft cannot drop at random here; loss and delay come "
            "from a token bucket alone (tbf rate 2mbit burst 8kb latency 30ms: queueing delay, drops on overflow)");
  }
  return true;
}

// Every packet of host `index` dropped, both directions, the link staying up.
bool cut_off(const NetnsLab& lab, int index) {
  if (lab.impair(index, "netem loss 100%")) {
    MESSAGE("fault: netem loss 100% on host " << index);
    return true;
  }
  MESSAGE("NOTE: this kernel has no sch_netem qdisc; 100% loss comes from a token bucket whose burst "
          "is smaller than any packet (tbf rate 1mbit burst 32 limit 1)");
  return lab.impair(index, "tbf rate 1mbit burst 32 limit 1");
}

// A field of /proc/<pid>/status in KiB (VmRSS, VmHWM); -1 when it cannot be read.
long long status_kib(int pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atoll(line.c_str() + field.size() + 1);
  }
  return -1;
}

// Resets the peak resident size (VmHWM) of process `pid` to its current size.
void reset_peak(int pid) { std::ofstream("/proc/" + std::to_string(pid) + "/clear_refs") << "5"; }

// The largest buffer TCP may grow to by itself, from /proc/sys/net/ipv4/tcp_rmem or tcp_wmem
// ("min default max"); 0 when it cannot be read.
std::size_t tcp_buffer_max(const std::string& sysctl) {
  std::ifstream in("/proc/sys/net/ipv4/" + sysctl);
  std::size_t min = 0;
  std::size_t initial = 0;
  std::size_t max = 0;
  in >> min >> initial >> max;
  return max;
}

// Waits until `count` has not moved for `still` (or `limit` has passed); returns its value then.
std::size_t count_once_still(const std::atomic<std::size_t>& count, std::chrono::milliseconds still,
                             std::chrono::milliseconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  std::size_t last = count.load();
  auto moved = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < give_up) {
    this_task::sleep(50ms);
    const std::size_t now = count.load();
    if (now != last) {
      last = now;
      moved = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - moved >= still) {
      break;
    }
  }
  return last;
}

}  // namespace

TEST_SUITE("hosts") {

TEST_CASE("with loss and delay on the link a numbered stream arrives whole and in order, and deliveries answer in time") {
  NetnsLab lab(2);
  if (!lab_ready(lab)) return;
  HostPeer b = peer_on(lab, 1, "b", "*", patient_timeout_ms);
  const auto a = node_on(lab, 0, patient_options("a"));
  REQUIRE(has_peers(*a, {b.location}, 10s));
  picos_test::run_in([&] {
    auto sink = a->locate("sink", b.location, 5s);
    REQUIRE(sink);
    constexpr std::size_t count = 1500;
    constexpr int ticks = static_cast<int>(count / 100);
    // Counts the channel's "tick" messages, giving up 10 s after the last one.
    picos::Task tick_counter = picos::spawn([] {
      int seen = 0;
      while (seen < ticks) {
        auto tick = next_of<std::string>(10s);
        if (!tick) break;
        if (*tick == "peer: tick") ++seen;
      }
      return seen;
    });
    auto news = a->locate_channel("peer-news", b.location, 5s);
    REQUIRE(news);
    REQUIRE(news->subscribe(tick_counter, 5s));
    REQUIRE(impair_with_loss_and_delay(lab, 1));

    int delivered = 0;
    int timed_out = 0;
    long long slowest_ms = 0;
    std::size_t channel_reached = 0;
    const auto started = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < count; ++i) {
      if (i % 100 != 99) {
        CHECK(a->send(*sink, numbered(i, 300)));
        continue;
      }
      // Half of the deliveries get a timeout shorter than a retransmission: they may time out,
      // but must answer within it (plus scheduling slack) and never say invalid.
      const auto timeout = (i / 100) % 2 == 0 ? std::chrono::milliseconds(2000) : std::chrono::milliseconds(100);
      const auto asked = std::chrono::steady_clock::now();
      const Delivery result = a->deliver(*sink, numbered(i, 300), timeout);
      slowest_ms = std::max(slowest_ms, ms_since(asked));
      CHECK(std::chrono::steady_clock::now() - asked < timeout + 1500ms);
      CHECK(result != Delivery::invalid);
      (result == Delivery::delivered ? delivered : timed_out)++;
      // A channel's deliver reaches its one subscriber, or says 0 when the answer is late.
      const auto channel_asked = std::chrono::steady_clock::now();
      const std::size_t reached = news->deliver(std::string("tick"), 2s, 1);
      CHECK(std::chrono::steady_clock::now() - channel_asked < 4500ms);
      CHECK(reached <= 1);
      channel_reached += reached;
    }
    CHECK(sink_count(*a, *sink, 30s) == std::to_string(count) + " 0");
    const long long elapsed = ms_since(started);
    const long long dropped = lab.dropped(1);
    MESSAGE("loss and delay: " << count << " messages in " << elapsed << " ms, " << dropped
                               << " packets dropped by the fault; deliver: " << delivered << " delivered, " << timed_out
                               << " timed out, slowest answer " << slowest_ms << " ms; channel deliver reached "
                               << channel_reached << " of " << ticks);
    CHECK(dropped > 0);  // the fault was really there
    // Every tick reached the subscriber, also those whose answer came too late.
    CHECK(tick_counter.finish(20s).get<int>() == ticks);
    lab.repair(1);
  });
}

TEST_CASE("a backlog that takes longer than the heartbeat timeout to cross a slow link is not mistaken for a silent peer") {
  NetnsLab lab(2);
  if (!lab_ready(lab)) return;
  // Only the sender's side is under test: its heartbeat timeout is the lab's 600 ms, while the
  // reader is patient.
  HostPeer b = peer_on(lab, 1, "b", "*", patient_timeout_ms);
  const auto a = node_on(lab, 0, "a");
  REQUIRE(has_peers(*a, {b.location}, 10s));
  picos_test::run_in([&] {
    a->peer_status(this_task::current());
    REQUIRE(status_of("b", PeerStatus::Status::online, 5s));
    auto sink = a->locate("sink", b.location, 5s);
    REQUIRE(sink);
    // 8 Mbit/s and a queue long enough that nothing is dropped: 2 MiB take about 2 s to cross,
    // more than three heartbeat timeouts, while the peer's kernel keeps acknowledging (it is alive
    // and reading); the pings wait in the queue behind the data.
    REQUIRE(lab.impair(1, "tbf rate 8mbit burst 32kb limit 8mb"));
    constexpr std::size_t count = 2000;
    const auto started = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < count; ++i) REQUIRE(a->send(*sink, numbered(i, 1024)));
    CHECK(sink_count(*a, *sink, 30s) == std::to_string(count) + " 0");
    MESSAGE("2 MiB backlog over 8 Mbit/s (heartbeat timeout " << host_heartbeat_timeout_ms << " ms) crossed in "
                                                             << ms_since(started) << " ms");
    // The peer never went offline meanwhile.
    CHECK_FALSE(next_of<PeerStatus>(0ms));
    CHECK(lab.dropped(1) == 0);
    lab.repair(1);
  });
}

TEST_CASE("a peer frozen while a stream is sent to it is still declared offline once its buffers are full") {
  NetnsLab lab(2);
  if (!lab_ready(lab)) return;
  HostPeer b = peer_on(lab, 1, "b");
  const auto a = node_on(lab, 0, "a");
  REQUIRE(has_peers(*a, {b.location}, 10s));
  picos_test::run_in([&] {
    a->peer_status(this_task::current());
    REQUIRE(status_of("b", PeerStatus::Status::online, 5s));
    auto sink = a->locate("sink", b.location, 5s);
    REQUIRE(sink);
    b.process.kill(SIGSTOP);
    const auto frozen_at = std::chrono::steady_clock::now();
    // 20 MiB: more than the kernel buffers between the nodes take, so the stream stalls.
    for (std::size_t i = 0; i < 20000; ++i) {
      if (!a->send(*sink, numbered(i, 1024))) break;
    }
    // Acknowledgements go on while the frozen peer's receive buffer fills, then stop.
    const auto bound = host_offline_bound + 2 * std::chrono::milliseconds(host_heartbeat_timeout_ms);
    CHECK(status_of("b", PeerStatus::Status::offline, bound));
    MESSAGE("peer frozen in mid-stream declared offline after " << ms_since(frozen_at) << " ms (heartbeat timeout "
                                                                << host_heartbeat_timeout_ms << " ms)");
    b.process.kill(SIGCONT);
  });
}

TEST_CASE("a peer that falls silent without closing is reported offline within the heartbeat bound and found again after") {
  NetnsLab lab(2);
  if (!lab_ready(lab)) return;
  HostPeer b = peer_on(lab, 1, "b");
  const auto a = node_on(lab, 0, "a");
  REQUIRE(has_peers(*a, {b.location}, 10s));
  REQUIRE(reports(b, "ONLINE", {"a"}, 10s));
  picos_test::run_in([&] {
    a->peer_status(this_task::current());
    REQUIRE(status_of("b", PeerStatus::Status::online, 5s));
    auto worker = a->locate("worker", b.location, 5s);
    REQUIRE(worker);
    REQUIRE(a->monitor(this_task::current(), *worker, 5s));

    REQUIRE(cut_off(lab, 1));
    const auto cut_at = std::chrono::steady_clock::now();
    CHECK(status_of("b", PeerStatus::Status::offline, host_offline_bound));
    const long long offline_after = ms_since(cut_at);
    auto status = next_of<RemoteMonitorStatus>(host_offline_bound);
    REQUIRE(status);
    CHECK(status->kind == RemoteMonitorStatus::Kind::unreachable);
    const long long monitor_after = ms_since(cut_at);
    CHECK(monitor_after < std::chrono::duration_cast<std::chrono::milliseconds>(host_offline_bound).count());
    CHECK(reports(b, "OFFLINE", {"a"}, host_offline_bound));
    const long long peer_saw_after = ms_since(cut_at);
    CHECK(a->peers().empty());
    CHECK(a->deliver(*worker, std::string("finish"), 1s) == Delivery::invalid);

    lab.repair(1);
    const auto repaired_at = std::chrono::steady_clock::now();
    CHECK(status_of("b", PeerStatus::Status::online, 10s));
    const long long online_after = ms_since(repaired_at);
    CHECK(reports(b, "ONLINE", {"a"}, 10s));
    MESSAGE("silent peer (heartbeat timeout " << host_heartbeat_timeout_ms << " ms): offline after " << offline_after
                                              << " ms, monitor told after " << monitor_after
                                              << " ms, the peer had reported us offline by " << peer_saw_after
                                              << " ms; online again " << online_after << " ms after the repair");
    // The same task is reachable again over the new link.
    CHECK(a->deliver(*worker, std::string("finish"), 5s) == Delivery::delivered);
  });
}

TEST_CASE("a reader slower than its sender: the stream arrives whole and in order, and a stopped reader makes the sender wait at the outbox bound") {
  NetnsLab lab(2);
  if (!lab_ready(lab)) return;
  HostPeer b = peer_on(lab, 1, "b", "*", patient_timeout_ms);
  picos::NodeOptions options = patient_options("a");
  constexpr std::size_t outbox_limit = 4 * 1024 * 1024;
  options.max_outbox_bytes = outbox_limit;
  const auto a = node_on(lab, 0, options);
  REQUIRE(has_peers(*a, {b.location}, 10s));
  const int self = ::getpid();
  const int reader = b.process.pids().front();
  picos_test::run_in([&] {
    auto sink = a->locate("slow-sink", b.location, 5s);
    REQUIRE(sink);
    constexpr std::size_t burst = 20000;
    constexpr std::size_t size = 1024;  // 20 MiB of payload per burst
    constexpr long long payload_kib = burst * size / 1024;

    // 1. The reader's node keeps reading: the backlog waits in the reader's mailbox.
    ::malloc_trim(0);  // free heap pages back to the system, so growth shows as new resident pages
    reset_peak(self);
    reset_peak(reader);
    const long long sender_before = status_kib(self, "VmRSS");
    const long long reader_before = status_kib(reader, "VmRSS");
    auto started = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < burst; ++i) REQUIRE(a->send(*sink, numbered(i, size)));
    const long long sent_after = ms_since(started);
    CHECK(sink_count(*a, *sink, 30s) == std::to_string(burst) + " 0");
    const long long drained_after = ms_since(started);
    const long long sender_growth = status_kib(self, "VmHWM") - sender_before;
    const long long reader_growth = status_kib(reader, "VmHWM") - reader_before;
    MESSAGE("slow reader: " << burst << " x " << size << " B sent in " << sent_after << " ms, read in "
                            << drained_after << " ms; peak VmRSS growth: sender " << sender_growth
                            << " KiB, reader " << reader_growth << " KiB (payload " << payload_kib << " KiB)");

    // 2. The reader's whole process stopped (SIGSTOP): its socket fills, the outbox reaches
    // max_outbox_bytes and the sending task waits there (back-pressure) until the reader is back.
    // The kernel may buffer up to tcp_rmem's and tcp_wmem's maximum on the two ends (32 MiB and
    // 4 MiB on the development VM; the first stream may already have grown them), so the burst is
    // half again as big as those and the outbox bound together.
    const std::size_t kernel_buffers = tcp_buffer_max("tcp_rmem") + tcp_buffer_max("tcp_wmem");
    const std::size_t stopped_burst = std::max(burst, (kernel_buffers + outbox_limit) * 3 / 2 / size);
    b.process.kill(SIGSTOP);
    ::malloc_trim(0);
    reset_peak(self);
    const long long stopped_before = status_kib(self, "VmRSS");
    started = std::chrono::steady_clock::now();
    auto sent = std::make_shared<std::atomic<std::size_t>>(0);
    picos::Task sender = picos::spawn([&a, sink = *sink, sent, stopped_burst] {
      for (std::size_t i = burst; i < burst + stopped_burst; ++i) {
        if (!a->send(sink, numbered(i, size))) return false;
        ++*sent;
      }
      return true;
    });
    const std::size_t sent_while_stopped = count_once_still(*sent, 500ms, 30s);
    const std::size_t outbox = a->outbox_bytes(b.location);
    const long long held = status_kib(self, "VmRSS") - stopped_before;
    b.process.kill(SIGCONT);
    CHECK(sender.finish(60s).get<bool>());
    CHECK(sink_count(*a, *sink, 60s) == std::to_string(burst + stopped_burst) + " 0");
    const long long resumed_after = ms_since(started);
    const long long stopped_growth = status_kib(self, "VmHWM") - stopped_before;
    MESSAGE("stopped reader: " << sent_while_stopped << " of " << stopped_burst << " x " << size
                               << " B sent before the sender waited; outbox " << outbox / 1024 << " KiB (limit "
                               << outbox_limit / 1024 << " KiB), sender VmRSS held " << held
                               << " KiB while stopped, peak growth " << stopped_growth << " KiB (payload "
                               << stopped_burst * size / 1024 << " KiB); all read in order " << resumed_after
                               << " ms after SIGSTOP");
    // The sender waited: what the stopped reader's kernel buffers could not take stays at the
    // bound (one staged frame and one message past it at most), and memory follows.
    CHECK(sent_while_stopped < stopped_burst);
    CHECK(outbox <= outbox_limit + staged_frame_bytes + size + 256);
#if defined(__SANITIZE_ADDRESS__)
    // ASan keeps freed blocks in quarantine, so resident memory does not follow what is live.
    MESSAGE("resident memory not checked under AddressSanitizer (held " << held << " KiB)");
#else
    CHECK(held < static_cast<long long>(3 * outbox_limit / 1024) + 8 * 1024);
#endif
    CHECK(a->peers() == std::vector<picos::Location>{b.location});
  });
}

TEST_CASE("a sender killed with SIGKILL in mid-stream leaves the receiver an ordered prefix, a monitor report and a working node") {
  NetnsLab lab(2);
  if (!lab_ready(lab)) return;
  HostPeer b = peer_on(lab, 1, "b");
  const auto a = node_on(lab, 0, "a");
  REQUIRE(has_peers(*a, {b.location}, 10s));
  picos_test::run_in([&] {
    a->peer_status(this_task::current());
    REQUIRE(status_of("b", PeerStatus::Status::online, 5s));
    auto streamer = a->locate("streamer", b.location, 5s);
    REQUIRE(streamer);
    REQUIRE(a->monitor(this_task::current(), *streamer, 5s));
    constexpr int asked = 1000000;
    REQUIRE(a->send(*streamer, EchoRequest{a->export_task(this_task::current()), std::to_string(asked)}));

    int next = 0;  // the index expected next: the prefix received so far
    int out_of_order = 0;
    bool killed = false;
    bool offline = false;
    std::optional<RemoteMonitorStatus> report;
    std::chrono::steady_clock::time_point killed_at;
    long long offline_after = -1;
    long long report_after = -1;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!(offline && report) && std::chrono::steady_clock::now() < deadline) {
      auto message = this_task::receive(1s);
      if (!message) continue;
      if (const int* value = message->get_if<int>()) {
        if (*value != next) ++out_of_order;
        next = *value + 1;
        if (!killed && next >= 5000) {
          killed = true;
          b.process.kill(SIGKILL);
          killed_at = std::chrono::steady_clock::now();
        }
      } else if (const auto* status = message->get_if<PeerStatus>()) {
        if (status->name == "b" && status->status == PeerStatus::Status::offline && !offline) {
          offline = true;
          offline_after = ms_since(killed_at);
        }
      } else if (const auto* monitor = message->get_if<RemoteMonitorStatus>()) {
        report = *monitor;
        report_after = ms_since(killed_at);
      }
    }
    REQUIRE(report);
    CHECK(report->kind == RemoteMonitorStatus::Kind::unreachable);
    CHECK(offline);
    CHECK(out_of_order == 0);
    CHECK(next >= 5000);
    CHECK(next < asked);
    const auto bound = std::chrono::duration_cast<std::chrono::milliseconds>(host_offline_bound).count();
    CHECK(offline_after < bound);
    CHECK(report_after < bound);
    MESSAGE("sender killed in mid-stream: received the first " << next << " of " << asked
                                                               << " in order; offline after " << offline_after
                                                               << " ms, monitor told after " << report_after << " ms");
    CHECK(b.process.wait(5s) == -SIGKILL);
    CHECK(a->peers().empty());

    // The node goes on: a new peer on the same host links and answers.
    HostPeer again = peer_on(lab, 1, "b2");
    CHECK(status_of("b2", PeerStatus::Status::online, 10s));
    auto echo = a->locate("echo", again.location, 5s);
    REQUIRE(echo);
    CHECK(a->deliver(*echo, EchoRequest{a->export_task(this_task::current()), "still here"}, 5s) ==
          Delivery::delivered);
    CHECK(next_of<std::string>(5s) == std::string("still here"));
  });
}

}  // TEST_SUITE("hosts")
