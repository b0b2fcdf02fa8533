// Two nodes in one process on loopback: peers, locate, send/deliver, references, monitors.
#include "echo_protocol.hpp"
#include "net_support.hpp"
#include "raw_peer.hpp"
#include "run_in.hpp"

#include <picos/node.hpp>
#include <picos/socket.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <stdexcept>
#include <thread>

using namespace net_test;
using picos::Delivery;
using picos::Location;
using picos::Message;
using picos::Node;
using picos::PeerStatus;
using picos::RemoteMonitorStatus;
using picos::RemoteTask;
using picos::Task;
namespace this_task = picos::this_task;

namespace {

bool lists(const std::vector<Location>& peers, const Location& location) {
  return std::find(peers.begin(), peers.end(), location) != peers.end();
}

}  // namespace

TEST_CASE("a node connects to a peer, both see each other online, and close_peer takes it offline") {
  Node a(loopback_options("alpha"));
  Node b(loopback_options("beta"));
  CHECK(a.location().host == "127.0.0.1");
  CHECK(a.location().port != 0);
  picos_test::run_in([&] {
    const Task watcher = this_task::current();
    a.peer_status(watcher);
    REQUIRE(a.peer(b.location(), 5s));
    auto online = next_of<PeerStatus>();
    REQUIRE(online);
    CHECK(online->status == PeerStatus::Status::online);
    CHECK(online->name == "beta");
    CHECK(online->location == b.location());
    CHECK(lists(a.peers(), b.location()));
    // b dials back on its own.
    CHECK(b.locate_peer("alpha", 5s) == a.location());
    CHECK(a.locate_peer("beta", 0s) == b.location());
    CHECK_FALSE(a.locate_peer("nobody", 50ms).has_value());
    CHECK(a.peer(b.location(), 5s));  // already a peer: still true

    CHECK(a.close_peer(b.location(), 5s));
    auto offline = next_of<PeerStatus>();
    REQUIRE(offline);
    CHECK(offline->status == PeerStatus::Status::offline);
    CHECK_FALSE(lists(a.peers(), b.location()));
    CHECK_FALSE(a.close_peer(b.location(), 1s));
    a.drop_peer_status(watcher);
  });
}

TEST_CASE("a peer with another secret is refused and never becomes online") {
  Node a(loopback_options("alpha", "one secret"));
  Node b(loopback_options("beta", "another secret"));
  CHECK_FALSE(a.peer(b.location(), 5s));
  CHECK(a.peers().empty());
  CHECK(b.peers().empty());
}

TEST_CASE("a registered task is located from a peer and receives sends in order and deliveries") {
  Node a(loopback_options("alpha"));
  Node b(loopback_options("beta"));
  constexpr int count = 2000;
  Task receiver = picos::spawn([] {
    std::vector<int> got;
    while (got.size() < count) {
      auto message = this_task::receive(10s);
      if (!message) break;
      got.push_back(message->get<int>());
    }
    return got;
  });
  REQUIRE(b.register_task("receiver", receiver));
  CHECK_FALSE(b.register_task("receiver", picos::spawn([] {})));  // the name is taken by a live task
  picos_test::run_in([&] {
    REQUIRE(a.peer(b.location(), 5s));
    const std::optional<RemoteTask> found = a.locate("receiver", std::nullopt, 5s);
    REQUIRE(found);
    CHECK(found->origin == b.location());
    CHECK(found->id == receiver.id());
    CHECK(a.locate("receiver", b.location(), 5s) == found);
    CHECK_FALSE(a.locate("missing", std::nullopt, 5s).has_value());
    CHECK(b.locate("receiver", std::nullopt, 0s) == found);  // local registry first
    for (int i = 0; i < count - 1; ++i) REQUIRE(a.send(*found, i));
    CHECK(a.deliver(*found, count - 1, 5s) == Delivery::delivered);
  });
  const auto got = receiver.value(10s).get<std::vector<int>>();
  REQUIRE(got.size() == count);
  CHECK(std::is_sorted(got.begin(), got.end()));
  CHECK(got.front() == 0);
  CHECK(got.back() == count - 1);
}

TEST_CASE("sends alternating between two remote tasks and deliveries among them arrive complete and in order") {
  Node a(loopback_options("alpha"));
  Node b(loopback_options("beta"));
  constexpr int count = 3000;  // more than one batch of the receiving node per task
  auto collector = [] {
    return picos::spawn([] {
      std::vector<int> got;
      while (got.size() < count) {
        auto message = this_task::receive(10s);
        if (!message) break;
        got.push_back(message->get<int>());
      }
      return got;
    });
  };
  Task odd = collector();
  Task even = collector();
  picos_test::run_in([&] {
    const RemoteTask to_odd = b.export_task(odd);
    const RemoteTask to_even = b.export_task(even);
    REQUIRE(a.peer(b.location(), 5s));
    for (int i = 0; i < 2 * count; ++i) {
      const RemoteTask& target = i % 2 == 0 ? to_even : to_odd;
      if (i % 500 == 499) REQUIRE(a.deliver(target, i, 5s) == Delivery::delivered);
      else REQUIRE(a.send(target, i));
    }
  });
  for (Task* task : {&even, &odd}) {
    const auto got = task->value(10s).get<std::vector<int>>();
    REQUIRE(got.size() == count);
    const int first = task == &even ? 0 : 1;
    for (int i = 0; i < count; ++i) REQUIRE(got[static_cast<std::size_t>(i)] == first + 2 * i);
  }
}

TEST_CASE("locate waits for a peer that comes online meanwhile and finds the task registered there") {
  Node a(loopback_options("alpha"));
  Node b(loopback_options("beta"));
  Task holder = picos::spawn([] { (void)this_task::receive(10s); });
  REQUIRE(b.register_task("late", holder));
  std::thread linker([&] {
    std::this_thread::sleep_for(300ms);
    (void)b.peer(a.location(), 5s);
  });
  picos_test::run_in([&] {
    const auto started = std::chrono::steady_clock::now();
    const std::optional<RemoteTask> found = a.locate("late", std::nullopt, 8s);
    const auto waited = std::chrono::steady_clock::now() - started;
    REQUIRE(found);
    CHECK(found->id == holder.id());
    CHECK(waited >= 250ms);
    CHECK(waited < 7s);
    // Every peer says no and none is new: the answer comes without waiting out the timeout.
    const auto asked_at = std::chrono::steady_clock::now();
    CHECK_FALSE(a.locate("nobody", std::nullopt, 8s).has_value());
    CHECK(std::chrono::steady_clock::now() - asked_at < 4s);
  });
  linker.join();
  holder.send(picos::Message(0));
}

TEST_CASE("stale and forged references are rejected by the receiving node") {
  Node a(loopback_options("alpha"));
  Node b(loopback_options("beta"));
  Task quick = picos::spawn([] { return 1; });
  Task waiting = picos::spawn([] { (void)this_task::receive(10s); });
  const RemoteTask stale = b.export_task(quick);
  const RemoteTask live = b.export_task(waiting);
  CHECK(b.export_task(waiting) == live);
  (void)quick.value(5s);
  picos_test::run_in([&] {
    REQUIRE(a.peer(b.location(), 5s));
    CHECK(a.deliver(stale, 1, 5s) == Delivery::invalid);
    RemoteTask forged = live;
    forged.rid ^= 1U;
    CHECK(a.deliver(forged, 1, 5s) == Delivery::invalid);
    RemoteTask guessed = live;
    guessed.id += 1000;
    CHECK(a.deliver(guessed, 1, 5s) == Delivery::invalid);
    RemoteTask elsewhere = live;
    elsewhere.origin.port = static_cast<std::uint16_t>(elsewhere.origin.port + 1);
    CHECK(a.deliver(elsewhere, 1, 1s) == Delivery::invalid);  // not a peer
    CHECK_FALSE(a.send(elsewhere, 1));
    CHECK(a.deliver(live, std::string("hello"), 5s) == Delivery::delivered);
  });
  waiting.value(5s);
}

TEST_CASE("a message of an unregistered type fails at the sender") {
  struct Unregistered {
    int x = 0;
  };
  Node a(loopback_options("alpha"));
  Node b(loopback_options("beta"));
  Task sink = picos::spawn([] { (void)this_task::receive(2s); });
  const RemoteTask target = b.export_task(sink);
  REQUIRE(a.peer(b.location(), 5s));
  CHECK_THROWS_AS(a.send(target, Unregistered{}), picos::SerializationError);
  CHECK_THROWS_AS((void)a.deliver(target, Unregistered{}, 1s), picos::SerializationError);
  sink.terminate();
}

TEST_CASE("references travel inside messages and serve as reply addresses") {
  Node a(loopback_options("alpha"));
  Node b(loopback_options("beta"));
  Task echo = picos::spawn([&b] {
    auto request = this_task::receive_as<EchoRequest>(10s);
    if (request) b.send(request->reply_to, request->text + "!");
  });
  REQUIRE(b.register_task("echo", echo));
  picos_test::run_in([&] {
    REQUIRE(a.peer(b.location(), 5s));
    REQUIRE(b.locate_peer("alpha", 5s));  // b must be linked to a to answer
    auto target = a.locate("echo", std::nullopt, 5s);
    REQUIRE(target);
    const RemoteTask self = a.export_task(this_task::current());
    CHECK(a.deliver(*target, EchoRequest{self, "ping"}, 5s) == Delivery::delivered);
    auto answer = this_task::receive(10s);
    REQUIRE(answer);
    CHECK(answer->get<std::string>() == "ping!");
  });
}

TEST_CASE("a remote monitor learns how a task ended: value, failure or termination") {
  Node a(loopback_options("alpha"));
  Node b(loopback_options("beta"));
  Task returns = picos::spawn([] {
    (void)this_task::receive(10s);
    return std::string("done");
  });
  Task fails = picos::spawn([]() -> int {
    (void)this_task::receive(10s);
    throw std::out_of_range("bad index");
  });
  Task terminated = picos::spawn([] { (void)this_task::receive(10s); });
  const RemoteTask r_returns = b.export_task(returns);
  const RemoteTask r_fails = b.export_task(fails);
  const RemoteTask r_terminated = b.export_task(terminated);
  picos_test::run_in([&] {
    REQUIRE(a.peer(b.location(), 5s));
    REQUIRE(b.locate_peer("alpha", 5s));
    const Task self = this_task::current();
    REQUIRE(a.monitor(self, r_returns, 5s));
    REQUIRE(a.monitor(self, r_fails, 5s));
    REQUIRE(a.monitor(self, r_terminated, 5s));
    REQUIRE(a.monitor(self, r_returns, 5s));  // repeating is harmless: one status
    returns.send(1);
    auto first = next_of<RemoteMonitorStatus>();
    REQUIRE(first);
    CHECK(first->task == r_returns);
    CHECK(first->kind == RemoteMonitorStatus::Kind::finished);
    CHECK(first->value.get<std::string>() == "done");
    fails.send(1);
    auto second = next_of<RemoteMonitorStatus>();
    REQUIRE(second);
    CHECK(second->task == r_fails);
    CHECK(second->kind == RemoteMonitorStatus::Kind::failed);
    CHECK(second->error_type.find("out_of_range") != std::string::npos);
    CHECK(second->error_message == "bad index");
    terminated.terminate();
    auto third = next_of<RemoteMonitorStatus>();
    REQUIRE(third);
    CHECK(third->task == r_terminated);
    CHECK(third->kind == RemoteMonitorStatus::Kind::terminated);
    CHECK_FALSE(next_of<RemoteMonitorStatus>(300ms).has_value());
    CHECK_FALSE(a.monitor(self, r_returns, 5s));  // it has ended
  });
}

TEST_CASE("a remote monitor of a task whose value exceeds the frame limit learns the end without the value") {
  picos::NodeOptions small = loopback_options("beta");
  small.max_frame_size = 64 * 1024;
  Node a(loopback_options("alpha"));
  Node b(small);
  Task big = picos::spawn([] {
    (void)this_task::receive(10s);
    return std::string(200 * 1024, 'x');
  });
  Task small_value = picos::spawn([] {
    (void)this_task::receive(10s);
    return 7;
  });
  const RemoteTask r_big = b.export_task(big);
  const RemoteTask r_small = b.export_task(small_value);
  picos_test::run_in([&] {
    REQUIRE(a.peer(b.location(), 5s));
    REQUIRE(b.locate_peer("alpha", 5s));
    const Task self = this_task::current();
    REQUIRE(a.monitor(self, r_big, 5s));
    REQUIRE(a.monitor(self, r_small, 5s));
    big.send(1);
    auto stripped = next_of<RemoteMonitorStatus>();
    REQUIRE(stripped);
    CHECK(stripped->task == r_big);
    CHECK(stripped->kind == RemoteMonitorStatus::Kind::finished);
    CHECK(stripped->value.empty());
    CHECK(stripped->error_type == "std::length_error");
    // Remote monitoring keeps working for the node's other tasks.
    small_value.send(1);
    auto next = next_of<RemoteMonitorStatus>();
    REQUIRE(next);
    CHECK(next->task == r_small);
    CHECK(next->value.get<int>() == 7);
  });
}

TEST_CASE("node options: exact busy ports and invalid settings are refused clearly") {
  Node a(loopback_options("alpha"));
  picos::NodeOptions same_port = loopback_options("beta");
  same_port.tcp_port = a.location().port;
  CHECK_THROWS_AS(Node{same_port}, std::system_error);
  picos::NodeOptions discovery = loopback_options("gamma");
  discovery.discover_peers = true;
  discovery.discovery_interval = -1ms;
  CHECK_THROWS_AS(Node{discovery}, std::invalid_argument);
  picos::NodeOptions heartbeat = loopback_options("delta");
  heartbeat.heartbeat_timeout = heartbeat.heartbeat_interval;
  CHECK_THROWS_AS(Node{heartbeat}, std::invalid_argument);
  picos::NodeOptions linger = loopback_options("zeta");
  linger.send_batch_delay = -1us;
  CHECK_THROWS_AS(Node{linger}, std::invalid_argument);
  linger.send_batch_delay = linger.heartbeat_interval + 1us;
  CHECK_THROWS_AS(Node{linger}, std::invalid_argument);
  picos::NodeOptions frames = loopback_options("eta");
  frames.max_frame_size = std::size_t{1} << 30;  // the largest allowed
  CHECK_NOTHROW(Node{frames});
  frames.max_frame_size += 1;
  CHECK_THROWS_AS(Node{frames}, std::invalid_argument);
  picos::NodeOptions ext = loopback_options("epsilon");
  ext.ext_host = "203.0.113.7";
  Node e(ext);
  CHECK(e.location().host == "203.0.113.7");
}

TEST_CASE("a peer that announces another address than the one dialled is reached through the dialled address") {
  Node a(loopback_options("alpha"));
  picos::NodeOptions behind_nat = loopback_options("beta");
  behind_nat.ext_host = "127.0.0.3";  // announced; it listens on 127.0.0.1 only
  Node b(behind_nat);
  Task holder = picos::spawn([] { (void)this_task::receive(10s); });
  REQUIRE(b.register_task("holder", holder));
  const Location dialled{"127.0.0.1", b.location().port};
  picos_test::run_in([&] {
    REQUIRE(a.peer(dialled, 5s));
    CHECK(a.peers() == std::vector<Location>{b.location()});
    CHECK(a.peer(dialled, 5s));  // already linked: no second dial
    const std::optional<RemoteTask> found = a.locate("holder", dialled, 5s);
    REQUIRE(found);
    CHECK(found->origin == b.location());
    CHECK(a.deliver(*found, 1, 5s) == Delivery::delivered);
    CHECK(a.close_peer(dialled, 5s));
    CHECK(a.peers().empty());
    CHECK_FALSE(a.locate("holder", dialled, 1s).has_value());
  });
}

TEST_CASE("peers with very different heartbeat settings stay online with each other") {
  picos::NodeOptions fast = loopback_options("fast");
  fast.heartbeat_interval = 50ms;
  fast.heartbeat_timeout = 300ms;
  picos::NodeOptions slow = loopback_options("slow");
  slow.heartbeat_interval = 700ms;
  slow.heartbeat_timeout = 3000ms;
  Node a(fast);
  Node b(slow);
  picos_test::run_in([&] {
    a.peer_status(this_task::current());
    b.peer_status(this_task::current());
    REQUIRE(a.peer(b.location(), 5s));
    REQUIRE(b.locate_peer("fast", 5s));
    // Several of the slow side's intervals, far beyond the fast side's own timeout.
    this_task::sleep(2s);
    CHECK(lists(a.peers(), b.location()));
    CHECK(lists(b.peers(), a.location()));
    int offline = 0;
    while (auto status = next_of<PeerStatus>(0s)) offline += status->status == PeerStatus::Status::offline ? 1 : 0;
    CHECK(offline == 0);
  });
}

TEST_CASE("deliveries among sends from a task and a plain thread keep each sender's order while pings go out every 2 ms") {
  // Deliveries are written by their caller when the link's writer is idle, sends and pings by the
  // writer: a delivery written ahead of queued sends would break the order, one written into a
  // batch being written would break a frame and lose the link.
  picos::NodeOptions options = loopback_options("alpha");
  options.heartbeat_interval = 2ms;
  options.heartbeat_timeout = 2000ms;
  Node a(options);
  Node b(loopback_options("beta"));
  constexpr std::uint64_t per_sender = 4000;
  Task receiver = picos::spawn([] {
    std::vector<std::uint64_t> next(2, 0);
    std::uint64_t misplaced = 0;
    while (next[0] + next[1] < 2 * per_sender) {
      auto message = this_task::receive(10s);
      if (!message) break;
      const auto pair = message->get<std::vector<std::uint64_t>>();
      if (pair.at(1) != next.at(pair.at(0))) ++misplaced;
      ++next.at(pair.at(0));
    }
    return std::vector<std::uint64_t>{next[0], next[1], misplaced};
  });
  const RemoteTask target = b.export_task(receiver);
  REQUIRE(a.peer(b.location(), 5s));
  auto mixed = [&](std::uint64_t sender) {
    std::uint64_t undelivered = 0;
    for (std::uint64_t i = 0; i < per_sender; ++i) {
      const Message message(std::vector<std::uint64_t>{sender, i});
      if (i % 3 == 0) {
        if (a.deliver(target, message, 5s) != Delivery::delivered) ++undelivered;
      } else if (!a.send(target, message)) {
        ++undelivered;
      }
    }
    return undelivered;
  };
  std::uint64_t thread_undelivered = 0;
  std::thread other([&] { thread_undelivered = mixed(1); });
  std::uint64_t task_undelivered = 0;
  picos_test::run_in([&] { task_undelivered = mixed(0); });
  other.join();
  CHECK(task_undelivered == 0);
  CHECK(thread_undelivered == 0);
  CHECK(receiver.value(20s).get<std::vector<std::uint64_t>>() == std::vector<std::uint64_t>{per_sender, per_sender, 0});
  CHECK(lists(a.peers(), b.location()));
}

TEST_CASE("sends from two threads keep each sender's order, with a message larger than one write among them") {
  Node a(loopback_options("alpha"));
  Node b(loopback_options("beta"));
  constexpr std::uint64_t per_thread = 20000;
  const std::string large(600 * 1024, 'x');  // more than one 256 KiB write slice
  Task receiver = picos::spawn([&large] {
    std::vector<std::uint64_t> next(2, 0);
    std::uint64_t misplaced = 0;
    bool large_seen = false;
    while (next[0] + next[1] < 2 * per_thread || !large_seen) {
      auto message = this_task::receive(10s);
      if (!message) break;
      if (const auto* text = message->get_if<std::string>()) {
        large_seen = *text == large;
        continue;
      }
      const auto pair = message->get<std::vector<std::uint64_t>>();
      if (pair.at(1) != next.at(pair.at(0))) ++misplaced;
      ++next.at(pair.at(0));
    }
    return std::vector<std::uint64_t>{next[0], next[1], misplaced, large_seen ? 1U : 0U};
  });
  const RemoteTask target = b.export_task(receiver);
  REQUIRE(a.peer(b.location(), 5s));
  auto stream = [&](std::uint64_t sender) {
    for (std::uint64_t i = 0; i < per_thread; ++i) {
      REQUIRE(a.send(target, std::vector<std::uint64_t>{sender, i}));
      if (sender == 0 && i == per_thread / 2) REQUIRE(a.send(target, large));
    }
  };
  std::thread other(stream, 1);
  stream(0);
  other.join();
  const auto result = receiver.value(20s).get<std::vector<std::uint64_t>>();
  CHECK(result == std::vector<std::uint64_t>{per_thread, per_thread, 0, 1});
}

TEST_CASE("a deliver or monitor addressed to a peer whose link back is still being dialled waits for that dial instead of failing at once") {
  // A peer that has just connected may ask for something whose answer is a deliver or a monitor
  // to one of its tasks (a log watcher's RTI call) before this node's link back to it is up. The
  // peer here announces a listener that accepts the dial-back but never answers its handshake,
  // so the dial stays under way for connect_timeout (3 s).
  Node a(loopback_options("alpha"));
  picos::TcpListener silent = picos::TcpListener::bind(picos::SocketAddress::loopback(0));
  const std::uint16_t port = silent.local_address().port();
  RawPeer raw(a, port);
  picos::TcpStream dial_back = silent.accept(5s);  // held open and never answered
  const RemoteTask target{"watcher", 1, 1, Location{"127.0.0.1", port}};

  auto started = std::chrono::steady_clock::now();
  CHECK(a.deliver(target, Message(std::string("line")), 500ms) == Delivery::invalid);
  CHECK(std::chrono::steady_clock::now() - started >= 450ms);

  picos_test::run_in([&] {
    started = std::chrono::steady_clock::now();
    CHECK_FALSE(a.monitor(this_task::current(), target, 500ms));
    CHECK(std::chrono::steady_clock::now() - started >= 450ms);
  });

  // Nobody dials a node that merely appears in a reference: that still fails at once.
  const RemoteTask stranger{"nobody", 1, 1, Location{"127.0.0.1", 1}};
  started = std::chrono::steady_clock::now();
  CHECK(a.deliver(stranger, Message(std::string("line")), 2s) == Delivery::invalid);
  CHECK(std::chrono::steady_clock::now() - started < 1s);
}

TEST_CASE("a task's sends to a remote task leave when it waits, with nothing sent after them") {
  // A stream of sends from a task is staged on its thread; the task then waits for an answer
  // that only comes once every message arrived, so they must leave when it parks.
  Node a(loopback_options("alpha"));
  Node b(loopback_options("beta"));
  constexpr int count = 1000;  // about 20 KiB: staged whole
  Task counter = picos::spawn([] {
    const auto reply_to = this_task::receive_as<RemoteTask>(10s);
    int got = 0;
    while (got < count && this_task::receive(10s)) ++got;
    return reply_to ? got : -1;
  });
  const RemoteTask to_counter = b.export_task(counter);
  picos_test::run_in([&] {
    REQUIRE(a.peer(b.location(), 5s));
    REQUIRE(a.send(to_counter, a.export_task(this_task::current())));
    for (int i = 0; i < count; ++i) REQUIRE(a.send(to_counter, i));
    CHECK(counter.finish(5s).get<int>() == count);
  });
}

TEST_CASE("sends a task makes just before it ends arrive before its remote monitor learns that it ended") {
  Node a(loopback_options("alpha"));
  Node b(loopback_options("beta"));
  constexpr int count = 1000;
  Task streamer;
  Task collector = picos::spawn([] {
    int before_end = 0;
    for (;;) {
      auto message = this_task::receive(10s);
      if (!message || message->is<RemoteMonitorStatus>()) break;
      ++before_end;
    }
    return before_end;
  });
  const RemoteTask to_collector = b.export_task(collector);
  picos_test::run_in([&] {
    REQUIRE(a.peer(b.location(), 5s));
    REQUIRE(b.locate_peer("alpha", 5s));
    streamer = picos::spawn([&a, to_collector] {
      (void)this_task::receive(10s);  // the go, once it is monitored
      for (int i = 0; i < count; ++i) a.send(to_collector, i);
    });
    REQUIRE(b.monitor(collector, a.export_task(streamer), 5s));
    streamer.send(true);
    CHECK(collector.finish(10s).get<int>() == count);
  });
}

TEST_CASE("a connection whose task stops taking its messages still serves other requests after a short wait") {
  // The receiving node stops reading a connection while the messages its tasks have not taken
  // fill more than the buffers it keeps, for 100 ms at most: a task that takes nothing must not
  // stall the rest of the connection for longer, and nothing it was sent is lost.
  Node a(loopback_options("alpha"));
  Node b(loopback_options("beta"));
  constexpr int count = 100'000;  // about 2.8 MB encoded: more than the 32 buffers of 64 KiB kept
  std::atomic<bool> release{false};
  Task stalled = picos::spawn([&release] {
    while (!release) this_task::sleep(10ms);
    int got = 0;
    while (this_task::receive(0s)) ++got;
    return got;
  });
  Task acker = picos::spawn([] {
    for (;;) (void)this_task::receive();
  });
  const RemoteTask to_stalled = b.export_task(stalled);
  const RemoteTask to_acker = b.export_task(acker);
  REQUIRE(a.peer(b.location(), 5s));
  for (int i = 0; i < count; ++i) REQUIRE(a.send(to_stalled, Message(std::string(16, 'x'))));
  const auto started = std::chrono::steady_clock::now();
  CHECK(a.deliver(to_acker, Message(1), 10s) == Delivery::delivered);
  const auto took = std::chrono::steady_clock::now() - started;
  MESSAGE("the delivery behind " << count << " untaken messages took "
                                 << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  CHECK(took < 5s);
  release = true;
  CHECK(stalled.value(10s).get<int>() == count);
  acker.terminate();
}

// Windows builds do not stage sends (see lib/net/staged_sends.cpp): there is nothing to wait for.
#if !defined(_WIN32)
TEST_CASE("a node destroyed while a task of another thread has sends staged for it waits until that task parks") {
  // The staged messages are queued into the node when the task parks: the node must still exist
  // then (AddressSanitizer reports the use after free otherwise).
  std::optional<Node> a(std::in_place, loopback_options("alpha"));
  Node b(loopback_options("beta"));
  constexpr int count = 1000;
  constexpr auto held = 200ms;
  Task counter = picos::spawn([] {
    int got = 0;
    while (got < count && this_task::receive(10s)) ++got;
    return got;
  });
  const RemoteTask to_counter = b.export_task(counter);
  REQUIRE(a->peer(b.location(), 5s));
  std::atomic<bool> sent{false};
  std::thread sender([&] {
    picos_test::run_in([&] {
      for (int i = 0; i < count; ++i) a->send(to_counter, i);
      sent = true;
      std::this_thread::sleep_for(held);  // keeps its thread without parking
    });
  });
  while (!sent) std::this_thread::sleep_for(1ms);
  const auto started = std::chrono::steady_clock::now();
  a.reset();
  const auto waited = std::chrono::steady_clock::now() - started;
  sender.join();
  MESSAGE("the node's destruction waited " << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()
                                           << " ms for the sending task");
  CHECK(waited >= held - 50ms);
  counter.terminate();
}
#endif
