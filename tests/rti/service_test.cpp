// Services and calls within one process: on the same node and between two nodes on loopback.
#include "net/net_support.hpp"
#include "run_in.hpp"

#include "net/node_core.hpp"
#include "net/wire.hpp"
#include "rti/rti_wire.hpp"

#include <picos/rti.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

using namespace net_test;
using picos::Node;
using picos::RemoteMonitorStatus;
using picos::rti::CallError;
using picos::rti::CallFailure;
using picos::rti::Invocation;
using picos::rti::RemoteError;
using picos::rti::RemoteService;
using picos::rti::Service;
using picos::rti::ServiceOptions;
namespace this_task = picos::this_task;

namespace {

// A type with cereal serialization that is never registered.
struct Unregistered {
  int x = 0;
  template <class A>
  void serialize(A& a) { a(x); }
};

// Registered, to travel as an argument and a result.
struct Point {
  int x = 0;
  int y = 0;
  template <class A>
  void serialize(A& a) { a(x, y); }
};
PICOS_MESSAGE_TYPE(Point, "rti_test.point");

// Its decoding throws something that is not a std::exception for a negative value.
struct Picky {
  int x = 0;
  template <class A>
  void serialize(A& a) {
    a(x);
    if constexpr (std::is_same_v<A, picos::BoundedInputArchive>) {
      if (x < 0) throw x;
    }
  }
};
PICOS_MESSAGE_TYPE(Picky, "rti_test.picky");

template <class E, class F>
E thrown_by(F&& body) {
  try {
    body();
  } catch (const E& error) {
    return error;
  }
  FAIL("no exception of the expected type was thrown");
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("a service on the same node is located, called with typed arguments and gives its result") {
  Node node(loopback_options("solo"));
  picos_test::run_in([&] {
    Service compute(node, "compute", [](int a, const std::string& b) { return a * 1.5 + static_cast<double>(b.size()); });
    CHECK(compute.signature() == "tuple<i32,string>");
    CHECK(compute.result_type() == "f64");
    auto service = picos::rti::locate(node, "compute", std::nullopt, 1s);
    REQUIRE(service);
    CHECK(service->reference() == compute.reference());
    CHECK(service->signature() == compute.signature());
    Invocation run = service->call(5s, 4, "abc");
    CHECK(run.task().name == "compute");
    CHECK(run.task().origin == node.location());
    CHECK(run.result<double>(5s) == doctest::Approx(9.0));
    // The outcome stays: asking again gives the same.
    CHECK(run.wait(0s).kind == RemoteMonitorStatus::Kind::finished);
    CHECK(compute.running() == 0);
  });
}

TEST_CASE("functions without arguments or without a result, and user types, are served between two nodes") {
  Node server(loopback_options("server"));
  Node client(loopback_options("client"));
  picos_test::run_in([&] {
    int pokes = 0;
    Service poke(server, "poke", [&pokes] { ++pokes; });
    Service mirror(server, "mirror", [](Point p) { return Point{p.y, p.x}; });
    REQUIRE(client.peer(server.location(), 5s));
    auto poke_service = picos::rti::locate(client, "poke", server.location(), 5s);
    REQUIRE(poke_service);
    CHECK(poke_service->signature() == "tuple<>");
    CHECK(poke_service->result_type() == "void");
    poke_service->call(5s).result<void>(5s);
    CHECK(pokes == 1);
    auto mirror_service = picos::rti::locate(client, "mirror", std::nullopt, 5s);
    REQUIRE(mirror_service);
    const Point flipped = mirror_service->call(5s, Point{1, 2}).result<Point>(5s);
    CHECK(flipped.x == 2);
    CHECK(flipped.y == 1);
    // Asking for another result type is a clear error, not a crash.
    CHECK_THROWS_AS((void)mirror_service->call(5s, Point{3, 4}).result<int>(5s), picos::BadMessageAccess);
  });
}

TEST_CASE("a service name must be valid and free, and every parameter and result type registered") {
  Node node(loopback_options("solo"));
  picos_test::run_in([&] {
    CHECK_THROWS_AS(Service(node, "", [] { return 1; }), std::invalid_argument);
    CHECK_THROWS_AS(Service(node, std::string(300, 'x'), [] { return 1; }), std::invalid_argument);
    Service first(node, "taken", [] { return 1; });
    CHECK_THROWS_AS(Service(node, "taken", [] { return 2; }), std::invalid_argument);
    CHECK_THROWS_AS(Service(node, "bad-parameter", [](Unregistered u) { return u.x; }), picos::SerializationError);
    CHECK_THROWS_AS(Service(node, "bad-result", [] { return Unregistered{}; }), picos::SerializationError);
    ServiceOptions none;
    none.max_running = 0;
    CHECK_THROWS_AS(Service(node, "none", [] { return 1; }, none), std::invalid_argument);
    ServiceOptions huge;
    huge.max_result_size = node.core().options.max_frame_size + 1;
    CHECK_THROWS_AS(Service(node, "huge", [] { return 1; }, huge), std::invalid_argument);
    CHECK_THROWS_AS((void)picos::rti::locate(node, "", std::nullopt, 1s), std::invalid_argument);
    // A closed service frees its name.
    first.close();
    CHECK_FALSE(first.is_open());
    Service second(node, "taken", [] { return 3; });
    CHECK(second.is_open());
  });
}

TEST_CASE("mismatched arguments are refused with both signatures and the service keeps serving") {
  Node server(loopback_options("server"));
  Node client(loopback_options("client"));
  picos_test::run_in([&] {
    Service compute(server, "compute", [](int a, std::string b) { return a + static_cast<int>(b.size()); });
    REQUIRE(client.peer(server.location(), 5s));
    auto service = picos::rti::locate(client, "compute", server.location(), 5s);
    REQUIRE(service);
    auto wrong_types = thrown_by<CallError>([&] { (void)service->call(5s, std::string("x"), 1); });
    CHECK(wrong_types.failure() == CallFailure::bad_arguments);
    CHECK(std::string(wrong_types.what()).find("takes (i32,string) but was called with (string,i32)") !=
          std::string::npos);
    auto too_few = thrown_by<CallError>([&] { (void)service->call(5s, 1); });
    CHECK(too_few.failure() == CallFailure::bad_arguments);
    CHECK(std::string(too_few.what()).find("(i32)") != std::string::npos);
    // A caller sending a matching signature with garbage bytes (written by hand here).
    picos::rti::detail::CallRequest forged;
    forged.service = service->reference();
    forged.signature = "tuple<i32,string>";
    forged.arguments = picos::Bytes{std::byte{1}, std::byte{7}, std::byte{0}, std::byte{0}, std::byte{0},
                                    std::byte{0xff}, std::byte{0xff}, std::byte{0xff}, std::byte{0xff}};
    const auto replies = client.core().request(
        {server.location()}, 5s,
        [&](std::uint64_t id) {
          forged.request_id = id;
          return picos::net::encode_frame(picos::net::FrameKind::rti_call, picos::net::encode_payload(forged));
        },
        [](const picos::net::Frame&) { return true; });
    REQUIRE(replies.size() == 1);
    REQUIRE(replies.front().kind == picos::net::FrameKind::rti_call_reply);
    const auto reply = picos::net::decode_payload<picos::rti::detail::CallReply>(replies.front().payload);
    CHECK(reply.outcome == static_cast<std::uint8_t>(CallFailure::bad_arguments));
    CHECK(reply.error.find("do not decode") != std::string::npos);
    // A result monitor whose name would bloat every status frame is refused too.
    forged.arguments = picos::rti::detail::encode_arguments(std::tuple<int, std::string>{1, "a"});
    forged.result_monitor = picos::RemoteTask{std::string(10000, 'm'), 1, 2, client.location()};
    const auto bloated = client.core().request(
        {server.location()}, 5s,
        [&](std::uint64_t id) {
          forged.request_id = id;
          return picos::net::encode_frame(picos::net::FrameKind::rti_call, picos::net::encode_payload(forged));
        },
        [](const picos::net::Frame&) { return true; });
    REQUIRE(bloated.size() == 1);
    const auto bloated_reply = picos::net::decode_payload<picos::rti::detail::CallReply>(bloated.front().payload);
    CHECK(bloated_reply.outcome == static_cast<std::uint8_t>(CallFailure::bad_arguments));
    CHECK(bloated_reply.error.find("result monitor") != std::string::npos);
    // Still serving, and the connection survived.
    CHECK(service->call(5s, 2, "abc").result<int>(5s) == 5);
    CHECK(compute.running() == 0);
  });
}

TEST_CASE("an unknown service is not found, at a given peer or at every peer, within the timeout") {
  Node server(loopback_options("server"));
  Node client(loopback_options("client"));
  picos_test::run_in([&] {
    REQUIRE(client.peer(server.location(), 5s));
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(picos::rti::locate(client, "nobody", server.location(), 5s));
    CHECK_FALSE(picos::rti::locate(client, "nobody", std::nullopt, 5s));
    // Both peers answered "no" long before the timeout.
    CHECK(std::chrono::steady_clock::now() - start < 4s);
    CHECK_FALSE(picos::rti::locate(client, "nobody", picos::Location{"127.0.0.1", 1}, 1s));
  });
}

TEST_CASE("locate waits for a peer that comes online meanwhile and finds the service there") {
  Node server(loopback_options("server"));
  Node client(loopback_options("client"));
  picos_test::run_in([&] {
    Service late(server, "late", [](int x) { return x + 1; });
    std::thread linker([&] {
      std::this_thread::sleep_for(300ms);
      (void)server.peer(client.location(), 5s);
    });
    const auto started = std::chrono::steady_clock::now();
    auto found = picos::rti::locate(client, "late", std::nullopt, 8s);
    const auto waited = std::chrono::steady_clock::now() - started;
    linker.join();
    REQUIRE(found);
    CHECK(waited >= 250ms);
    CHECK(waited < 7s);
    CHECK(found->call(5s, 41).result<int>(5s) == 42);
  });
}

TEST_CASE("a failure is carried back with the exception's type and text") {
  Node node(loopback_options("solo"));
  picos_test::run_in([&] {
    Service fail(node, "fail", [](std::string text) -> int { throw std::out_of_range(text); });
    auto service = picos::rti::locate(node, "fail", std::nullopt, 1s);
    REQUIRE(service);
    Invocation run = service->call(5s, "it broke");
    const RemoteMonitorStatus status = run.wait(5s);
    CHECK(status.kind == RemoteMonitorStatus::Kind::failed);
    CHECK(status.error_type == "std::out_of_range");
    CHECK(status.error_message == "it broke");
    auto error = thrown_by<RemoteError>([&] { (void)run.result<int>(1s); });
    CHECK(error.kind() == RemoteMonitorStatus::Kind::failed);
    CHECK(error.error_message() == "it broke");
    CHECK(error.task() == run.task());
  });
}

TEST_CASE("at most max_running invocations run at once; more calls are refused as busy") {
  Node node(loopback_options("solo"));
  picos_test::run_in([&] {
    ServiceOptions options;
    options.max_running = 2;
    Service nap(node, "nap", [](int ms) {
      this_task::sleep(std::chrono::milliseconds(ms));
      return ms;
    }, options);
    auto service = picos::rti::locate(node, "nap", std::nullopt, 1s);
    REQUIRE(service);
    Invocation one = service->call(5s, 300);
    Invocation two = service->call(5s, 300);
    CHECK(nap.running() == 2);
    auto busy = thrown_by<CallError>([&] { (void)service->call(5s, 1); });
    CHECK(busy.failure() == CallFailure::busy);
    CHECK(one.result<int>(5s) == 300);
    CHECK(two.result<int>(5s) == 300);
    CHECK(nap.running() == 0);
    CHECK(service->call(5s, 1).result<int>(5s) == 1);
  });
}

TEST_CASE("a result larger than max_result_size fails the invocation with a length error") {
  Node node(loopback_options("solo"));
  picos_test::run_in([&] {
    ServiceOptions options;
    options.max_result_size = 1000;
    Service blob(node, "blob", [](int size) { return std::string(static_cast<std::size_t>(size), 'x'); }, options);
    auto service = picos::rti::locate(node, "blob", std::nullopt, 1s);
    REQUIRE(service);
    CHECK(service->call(5s, 100).result<std::string>(5s).size() == 100);
    const RemoteMonitorStatus status = service->call(5s, 5000).wait(5s);
    CHECK(status.kind == RemoteMonitorStatus::Kind::failed);
    CHECK(status.error_type == "std::length_error");
    CHECK(status.error_message.find("max_result_size") != std::string::npos);
  });
}

TEST_CASE("arguments larger than the frame limit are refused at the caller before anything is sent") {
  picos::NodeOptions small = loopback_options("server");
  small.max_frame_size = 64 * 1024;
  Node server(small);
  picos::NodeOptions client_options = loopback_options("client");
  client_options.max_frame_size = 64 * 1024;
  Node client(client_options);
  picos_test::run_in([&] {
    Service length(server, "length", [](const std::string& text) { return text.size(); });
    REQUIRE(client.peer(server.location(), 5s));
    auto service = picos::rti::locate(client, "length", server.location(), 5s);
    REQUIRE(service);
    CHECK_THROWS_AS((void)service->call(5s, std::string(100 * 1024, 'x')), std::length_error);
    CHECK(service->call(5s, std::string(1000, 'x')).result<std::uint64_t>(5s) == 1000);
    CHECK(length.running() == 0);
  });
}

TEST_CASE("monitors of a service receive a status for each invocation, successes and failures") {
  Node server(loopback_options("server"));
  Node client(loopback_options("client"));
  picos_test::run_in([&] {
    Service half(server, "half", [](int n) {
      if (n % 2 != 0) throw std::invalid_argument("odd: " + std::to_string(n));
      return n / 2;
    });
    REQUIRE(client.peer(server.location(), 5s));
    auto service = picos::rti::locate(client, "half", server.location(), 5s);
    REQUIRE(service);
    REQUIRE(service->monitor(this_task::current(), 5s));
    // A local monitor too, on the server's side.
    std::vector<RemoteMonitorStatus> seen_locally;
    picos::Task local = picos::spawn([&seen_locally] {
      for (int i = 0; i < 2; ++i) {
        auto status = next_of<RemoteMonitorStatus>(10s);
        if (!status) return;
        seen_locally.push_back(std::move(*status));
      }
    });
    REQUIRE(half.monitor(local));
    Invocation even = service->call(5s, 4);
    Invocation odd = service->call(5s, 3);
    std::vector<RemoteMonitorStatus> seen;
    for (int i = 0; i < 2; ++i) {
      auto status = next_of<RemoteMonitorStatus>(10s);
      REQUIRE(status);
      seen.push_back(std::move(*status));
    }
    for (const auto& status : seen) {
      if (status.task == even.task()) {
        CHECK(status.kind == RemoteMonitorStatus::Kind::finished);
        CHECK(status.value.get<int>() == 2);
      } else {
        CHECK(status.task == odd.task());
        CHECK(status.kind == RemoteMonitorStatus::Kind::failed);
        CHECK(status.error_type == "std::invalid_argument");
        CHECK(status.error_message == "odd: 3");
      }
    }
    (void)local.finish(10s);
    REQUIRE(seen_locally.size() == 2);
    CHECK(seen_locally[0].task.origin == server.location());
    // The callers get the same outcomes.
    CHECK(even.result<int>(5s) == 2);
    CHECK_THROWS_AS((void)odd.result<int>(5s), RemoteError);
  });
}

TEST_CASE("closing a service terminates its running invocations and refuses later calls") {
  Node server(loopback_options("server"));
  Node client(loopback_options("client"));
  picos_test::run_in([&] {
    Service nap(server, "nap", [](int ms) {
      this_task::sleep(std::chrono::milliseconds(ms));
      return ms;
    });
    REQUIRE(client.peer(server.location(), 5s));
    auto service = picos::rti::locate(client, "nap", server.location(), 5s);
    REQUIRE(service);
    REQUIRE(service->monitor(this_task::current(), 5s));
    Invocation long_nap = service->call(5s, 60000);
    CHECK_THROWS_AS((void)long_nap.wait(100ms), std::system_error);  // still running
    nap.close();
    const RemoteMonitorStatus status = long_nap.wait(5s);
    CHECK(status.kind == RemoteMonitorStatus::Kind::terminated);
    auto monitored = next_of<RemoteMonitorStatus>(5s);
    REQUIRE(monitored);
    CHECK(monitored->kind == RemoteMonitorStatus::Kind::terminated);
    auto closed = thrown_by<CallError>([&] { (void)service->call(5s, 1); });
    CHECK(closed.failure() == CallFailure::no_service);
    CHECK_FALSE(picos::rti::locate(client, "nap", server.location(), 5s));
    // Registered again under the same name: a new reference; the old one stays refused.
    Service again(server, "nap", [](int ms) { return ms; });
    CHECK_THROWS_AS((void)service->call(5s, 1), CallError);
    auto fresh = picos::rti::locate(client, "nap", server.location(), 5s);
    REQUIRE(fresh);
    CHECK_FALSE(fresh->reference() == service->reference());
    CHECK(fresh->call(5s, 7).result<int>(5s) == 7);
  });
}

TEST_CASE("calls and waits work from a plain thread, and a wait times out with a system error") {
  Node server(loopback_options("server"));
  Node client(loopback_options("client"));
  picos::Scheduler scheduler;
  ServiceOptions options;
  options.scheduler = &scheduler;
  Service nap(server, "nap", [](int ms) {
    this_task::sleep(std::chrono::milliseconds(ms));
    return ms;
  }, options);
  // Keeps the loop running until the end of the test.
  picos::Task holder = scheduler.spawn([] { (void)this_task::receive(30s); });
  std::thread loop([&scheduler] { scheduler.run(); });
  REQUIRE(client.peer(server.location(), 5s));
  auto service = picos::rti::locate(client, "nap", server.location(), 5s);
  REQUIRE(service);
  Invocation run = service->call(5s, 200);
  const auto error = thrown_by<std::system_error>([&] { (void)run.wait(10ms); });
  CHECK(error.code() == std::errc::timed_out);
  CHECK(run.result<int>(5s) == 200);
  // The same on the server's own node (no frames).
  auto local = picos::rti::locate(server, "nap", std::nullopt, 1s);
  REQUIRE(local);
  CHECK(local->call(5s, 1).result<int>(5s) == 1);
  nap.close();
  holder.send(picos::Message(true));
  loop.join();
}

TEST_CASE("a malformed rti frame closes only that connection and the server goes on serving") {
  Node server(loopback_options("server"));
  Node client(loopback_options("client"));
  picos_test::run_in([&] {
    Service twice(server, "twice", [](int n) { return 2 * n; });
    client.peer_status(this_task::current());
    REQUIRE(client.peer(server.location(), 5s));
    REQUIRE(next_of<picos::PeerStatus>()->status == picos::PeerStatus::Status::online);
    const picos::Bytes garbage{std::byte{1}, std::byte{0xff}, std::byte{0xff}, std::byte{0xff}};
    REQUIRE(client.core().queue_frame(server.location(),
                                      picos::net::encode_frame(picos::net::FrameKind::rti_call, garbage)));
    auto offline = next_of<picos::PeerStatus>(5s);
    REQUIRE(offline);
    CHECK(offline->status == picos::PeerStatus::Status::offline);
    REQUIRE(client.peer(server.location(), 5s));
    auto service = picos::rti::locate(client, "twice", server.location(), 5s);
    REQUIRE(service);
    CHECK(service->call(5s, 21).result<int>(5s) == 42);
  });
}

TEST_CASE("a service reference travels inside messages") {
  picos::rti::ServiceReference reference{"compute", 7, 99, picos::Location{"127.0.0.1", 9705}};
  const picos::Message copy = picos::deserialize(picos::serialize(picos::Message(reference)));
  REQUIRE(copy.is<picos::rti::ServiceReference>());
  CHECK(copy.get<picos::rti::ServiceReference>() == reference);
  CHECK(copy.get<picos::rti::ServiceReference>().name == "compute");
  CHECK(reference.to_string() == "compute#7@127.0.0.1:9705");
}

TEST_CASE("several caller tasks with many calls in flight all get their own results") {
  Node server(loopback_options("server"));
  Node client(loopback_options("client"));
  picos_test::run_in([&] {
    Service square(server, "square", [](int n) {
      this_task::yield();
      return n * n;
    });
    REQUIRE(client.peer(server.location(), 5s));
    auto service = picos::rti::locate(client, "square", server.location(), 5s);
    REQUIRE(service);
    constexpr int callers = 4;
    constexpr int calls = 150;
    constexpr std::size_t in_flight = 10;
    std::vector<picos::Task> tasks;
    for (int caller = 0; caller < callers; ++caller) {
      tasks.push_back(picos::spawn([&service, caller]() -> int {
        int correct = 0;
        std::vector<std::pair<int, Invocation>> pending;
        for (int i = 0; i < calls; ++i) {
          const int n = caller * 1000 + i;
          pending.emplace_back(n, service->call(10s, n));
          if (pending.size() == in_flight || i + 1 == calls) {
            for (auto& [sent, run] : pending) correct += run.result<int>(10s) == sent * sent ? 1 : 0;
            pending.clear();
          }
        }
        return correct;
      }));
    }
    for (const picos::Task& task : tasks) CHECK(task.finish(60s).get<int>() == calls);
    CHECK(square.running() == 0);
  });
}

TEST_CASE("an argument whose decoding throws a non-standard exception is refused and the service goes on") {
  Node server(loopback_options("server"));
  Node client(loopback_options("client"));
  picos_test::run_in([&] {
    Service picky(server, "picky", [](Picky p) { return p.x; });
    REQUIRE(client.peer(server.location(), 5s));
    auto service = picos::rti::locate(client, "picky", server.location(), 5s);
    REQUIRE(service);
    auto refused = thrown_by<CallError>([&] { (void)service->call(5s, Picky{-1}); });
    CHECK(refused.failure() == CallFailure::bad_arguments);
    CHECK(service->call(5s, Picky{5}).result<int>(5s) == 5);
    CHECK(client.peers().size() == 1);
  });
}
