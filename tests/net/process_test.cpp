// Real processes on loopback: the helper net_test_peer (PICOS_NET_TEST_PEER) is a remote node.
#include "echo_protocol.hpp"
#include "net_support.hpp"
#include "peer_process.hpp"
#include "run_in.hpp"
#include "temp_dir.hpp"

#include <picos/node.hpp>
#include <picos/subprocess.hpp>

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

using namespace net_test;
using picos::Delivery;
using picos::Location;
using picos::Node;
using picos::PeerStatus;
using picos::RemoteMonitorStatus;
using picos::RemoteTask;
using picos::Subprocess;
namespace this_task = picos::this_task;

TEST_CASE("another process: connect, locate, send, deliver and monitor a remote task to its end") {
  Node node(loopback_options("tester"));
  picos_test::run_in([&] {
    auto [child, location] = start_helper("helper", "test-secret", 100, 1000);
    REQUIRE(node.peer(location, 5s));
    REQUIRE(node.locate_peer("helper", 0s) == location);
    auto echo = node.locate("echo", location, 5s);
    REQUIRE(echo);
    auto worker = node.locate("worker", std::nullopt, 5s);
    REQUIRE(worker);
    CHECK(worker->origin == location);

    const RemoteTask self = node.export_task(this_task::current());
    for (int i = 0; i < 20; ++i) REQUIRE(node.send(*echo, EchoRequest{self, echo_text(i)}));
    CHECK(node.deliver(*echo, EchoRequest{self, "last"}, 5s) == Delivery::delivered);
    for (int i = 0; i < 20; ++i) {
      auto reply = next_of<std::string>();
      REQUIRE(reply);
      CHECK(*reply == echo_text(i));
    }
    CHECK(next_of<std::string>() == std::string("last"));

    REQUIRE(node.monitor(this_task::current(), *worker, 5s));
    CHECK(node.deliver(*worker, std::string("finish"), 5s) == Delivery::delivered);
    auto status = next_of<RemoteMonitorStatus>();
    REQUIRE(status);
    CHECK(status->kind == RemoteMonitorStatus::Kind::finished);
    CHECK(status->value.get<int>() == 42);
    CHECK(node.deliver(*worker, std::string("again"), 5s) == Delivery::invalid);  // ended: stale

    child.close_stdin();
    CHECK(child.wait(10s) == 0);
  });
}

TEST_CASE("a process killed with SIGKILL is reported offline to peer-status subscribers and monitors") {
  Node node(loopback_options("tester"));
  picos_test::run_in([&] {
    auto [child, location] = start_helper("victim", "test-secret", 100, 1000);
    node.peer_status(this_task::current());
    REQUIRE(node.peer(location, 5s));
    REQUIRE(next_of<PeerStatus>()->status == PeerStatus::Status::online);
    auto worker = node.locate("worker", location, 5s);
    REQUIRE(worker);
    REQUIRE(node.monitor(this_task::current(), *worker, 5s));
    kill_process(child);
    auto offline = next_of<PeerStatus>(10s);
    REQUIRE(offline);
    CHECK(offline->status == PeerStatus::Status::offline);
    CHECK(offline->name == "victim");
    auto status = next_of<RemoteMonitorStatus>(10s);
    REQUIRE(status);
    CHECK(status->kind == RemoteMonitorStatus::Kind::unreachable);
    CHECK(status->task == *worker);
    CHECK(node.peers().empty());
    CHECK(node.deliver(*worker, 1, 1s) == Delivery::invalid);
    (void)child.wait(10s);
  });
}

TEST_CASE("a frozen process (SIGSTOP) misses its heartbeats and is declared offline within the bound") {
  picos::NodeOptions options = loopback_options("tester");
  options.heartbeat_interval = 100ms;
  options.heartbeat_timeout = 600ms;
  Node node(options);
  picos_test::run_in([&] {
    auto [child, location] = start_helper("sleeper", "test-secret", 100, 600);
    node.peer_status(this_task::current());
    REQUIRE(node.peer(location, 5s));
    REQUIRE(next_of<PeerStatus>()->status == PeerStatus::Status::online);
    REQUIRE(stop_process(child));
    const auto stopped_at = std::chrono::steady_clock::now();
    // The kernel still acknowledges TCP for a stopped process: only the heartbeat can tell.
    auto offline = next_of<PeerStatus>(10s);
    const auto detected_after = std::chrono::steady_clock::now() - stopped_at;
    REQUIRE(offline);
    CHECK(offline->status == PeerStatus::Status::offline);
    // timeout 600 ms + one interval + scheduling slack on a loaded machine.
    CHECK(detected_after < 5s);
    MESSAGE("frozen peer declared offline after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(detected_after).count() << " ms");
    kill_process(child);
    (void)child.wait(10s);
  });
}

namespace {

// Runs `body(node, sink)` in a task with a node whose outbox limit is `outbox_limit`, linked to a
// helper process whose "sink" task `sink` is; the helper is stopped (SIGSTOP) before the body
// and continued after it. The body returns its sending task, if it started one (it must end
// with true once the helper is back); then the sink must have all `count` numbered messages in
// order.
template <class Body>
void with_stopped_sink(std::size_t outbox_limit, std::size_t count, Body body) {
  picos::NodeOptions options = loopback_options("tester");
  options.max_outbox_bytes = outbox_limit;
  options.heartbeat_timeout = 10000ms;  // the stop must not look like a dead peer
  Node node(options);
  picos_test::run_in([&] {
    auto [child, location] = start_helper("reader", "test-secret", 100, 10000);
    REQUIRE(node.peer(location, 5s));
    auto sink = node.locate("sink", location, 5s);
    REQUIRE(sink);
    REQUIRE(stop_process(child));
    const picos::Task sender = body(node, *sink);
    continue_process(child);
    if (sender) CHECK(sender.finish(60s).template get<bool>());
    CHECK(sink_count(node, *sink, 30s) == std::to_string(count) + " 0");
    child.close_stdin();
    (void)child.wait(10s);
  });
}

}  // namespace

TEST_CASE("a sender to a stopped reader waits once max_outbox_bytes are queued, and every message arrives in order after it resumes") {
  static constexpr std::size_t limit = 1024 * 1024;
  static constexpr std::size_t size = 16 * 1024;
  static constexpr std::size_t count = 1024;  // 16 MiB: far more than the limit and the sockets' buffers
  with_stopped_sink(limit, count, [](Node& node, const RemoteTask& sink) {
    auto sent = std::make_shared<std::atomic<std::size_t>>(0);
    picos::Task sender = picos::spawn([&node, sink, sent] {
      for (std::size_t i = 0; i < count; ++i) {
        if (!node.send(sink, numbered(i, size))) return false;
        ++*sent;
      }
      return true;
    });
    // The outbox is looked at while the sender waits.
    std::size_t largest_outbox = 0;
    for (int i = 0; i < 50; ++i) {
      this_task::sleep(10ms);
      largest_outbox = std::max(largest_outbox, node.outbox_bytes(sink.origin));
    }
    const std::size_t sent_while_stopped = sent->load();
    MESSAGE("stopped reader: " << sent_while_stopped << " of " << count << " messages of " << size
                               << " B sent before the sender waited; largest outbox " << largest_outbox << " B (limit "
                               << limit << " B)");
    CHECK(sent_while_stopped < count);
    CHECK(largest_outbox > 0);
    // One staged frame and one message past the bound at most.
    CHECK(largest_outbox <= limit + staged_frame_bytes + size + 256);
    return sender;
  });
}

TEST_CASE("with no outbox limit a sender to a stopped reader never waits") {
  // 32 MiB: more than the sockets' buffers can take, so most of it waits in this process, and
  // every send still returns at once (the reader is stopped until after the loop).
  static constexpr std::size_t count = 2048;
  with_stopped_sink(0, count, [](Node& node, const RemoteTask& sink) {
    for (std::size_t i = 0; i < count; ++i) REQUIRE(node.send(sink, numbered(i, 16 * 1024)));
    return picos::Task();
  });
}

TEST_CASE("a deliver to a frozen process times out, its late answer is dropped, and the next deliver is acknowledged") {
  with_stopped_sink(0, 3, [](Node& node, const RemoteTask& sink) {
    const auto started = std::chrono::steady_clock::now();
    CHECK(node.deliver(sink, numbered(0, 16), 300ms) == Delivery::timed_out);
    const auto waited = std::chrono::steady_clock::now() - started;
    CHECK(waited >= 300ms);
    CHECK(waited < 3s);
    // From a plain thread too (the other kind of caller).
    std::thread([&] { CHECK(node.deliver(sink, numbered(1, 16), 100ms) == Delivery::timed_out); }).join();
    // Answered once the process runs again; the two late answers must not be taken for this one.
    return picos::spawn([&node, sink] { return node.deliver(sink, numbered(2, 16), 10s) == Delivery::delivered; });
  });
}

TEST_CASE("a sender process killed mid-transfer leaves no partial file at the receiver") {
  // Small frames at the receiver make the transfer take long enough (4 KiB chunks) to be caught.
  const net_test::TempDir scratch("picos-kill");
  const std::filesystem::path& dir = scratch.path();
  picos::NodeOptions options = loopback_options("receiver");
  options.dest_path = (dir / "dest").string();
  options.max_frame_size = 4096;
  Node node(options);
  {
    std::ofstream source(dir / "large.bin", std::ios::binary);
    const std::string block(1 << 20, 'z');
    for (int i = 0; i < 32; ++i) source << block;
  }
  auto partial_files = [&] {
    int count = 0;
    if (!std::filesystem::exists(dir / "dest")) return count;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "dest")) {
      count += entry.path().filename().string().starts_with(".picos-part-") ? 1 : 0;
    }
    return count;
  };
  picos_test::run_in([&] {
    auto [child, location] = start_helper("file-sender", "test-secret", 100, 1000);
    REQUIRE(node.peer(location, 5s));
    auto sender = node.locate("file-sender", location, 5s);
    REQUIRE(sender);
    const std::string order = node.location().host + " " + std::to_string(node.location().port) + " " +
                              (dir / "large.bin").string();
    REQUIRE(node.deliver(*sender, order, 5s) == Delivery::delivered);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (partial_files() == 0 && std::chrono::steady_clock::now() < deadline) this_task::sleep(1ms);
    REQUIRE(partial_files() == 1);
    kill_process(child);
    (void)child.wait(10s);
    while (partial_files() != 0 && std::chrono::steady_clock::now() < deadline) this_task::sleep(10ms);
    CHECK(partial_files() == 0);
    CHECK_FALSE(std::filesystem::exists(dir / "dest" / "large.bin"));
  });
}
