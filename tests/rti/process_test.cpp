// Real processes on loopback: the helper rti_test_peer (PICOS_RTI_TEST_PEER) offers services.
#include "net/net_support.hpp"
#include "net/peer_process.hpp"
#include "run_in.hpp"

#include <picos/rti.hpp>
#include <picos/subprocess.hpp>

#include <doctest/doctest.h>

#include <csignal>
#include <optional>
#include <system_error>

using namespace net_test;
using picos::Location;
using picos::Node;
using picos::RemoteMonitorStatus;
using picos::Subprocess;
using picos::rti::CallError;
using picos::rti::CallFailure;
using picos::rti::Invocation;
using picos::rti::RemoteError;
namespace this_task = picos::this_task;

namespace {

// [B] Starts an rti_test_peer node (heartbeat every 100 ms, silent peers dropped after 1 s) and
// returns it with its location.
std::pair<Subprocess, Location> start_helper(const std::string& name) {
  return start_located_process({helper_path("PICOS_RTI_TEST_PEER"), name, "test-secret", "100", "1000"});
}

// [B] Links `node` with the helper at `location` and locates its service `name` (required to
// be found).
std::optional<picos::rti::RemoteService> located(Node& node, const Location& location, const std::string& name) {
  REQUIRE(node.peer(location, 5s));
  std::optional<picos::rti::RemoteService> service = picos::rti::locate(node, name, location, 5s);
  REQUIRE(service);
  return service;
}

void stop_helper(Subprocess& child) {
  child.close_stdin();
  CHECK(child.wait(10s) == 0);
}

}  // namespace

TEST_CASE("another process: a located service is called and its typed result comes back") {
  Node node(loopback_options("caller"));
  picos_test::run_in([&] {
    auto [child, location] = start_helper("server");
    auto compute = located(node, location, "compute");
    CHECK(compute->reference().origin == location);
    CHECK(compute->signature() == "tuple<i32,string>");
    CHECK(compute->result_type() == "f64");
    // Several calls in flight at once.
    std::vector<Invocation> runs;
    for (int i = 0; i < 20; ++i) runs.push_back(compute->call(5s, i, std::string(static_cast<std::size_t>(i), 'y')));
    for (int i = 0; i < 20; ++i) CHECK(runs[static_cast<std::size_t>(i)].result<double>(5s) == doctest::Approx(i * 2.5));
    // Found without naming the peer too.
    CHECK(picos::rti::locate(node, "fail", std::nullopt, 5s));
    stop_helper(child);
  });
}

TEST_CASE("another process: a failure comes back as a failed status with the exception's text") {
  Node node(loopback_options("caller"));
  picos_test::run_in([&] {
    auto [child, location] = start_helper("server");
    auto fail = located(node, location, "fail");
    Invocation run = fail->call(5s, "disk on fire");
    const RemoteMonitorStatus status = run.wait(5s);
    CHECK(status.kind == RemoteMonitorStatus::Kind::failed);
    CHECK(status.error_type == "std::runtime_error");
    CHECK(status.error_message == "disk on fire");
    try {
      (void)run.result<int>(1s);
      FAIL("result() should throw");
    } catch (const RemoteError& error) {
      CHECK(std::string(error.what()).find("disk on fire") != std::string::npos);
    }
    stop_helper(child);
  });
}

TEST_CASE("another process: mismatched arguments are refused clearly and the server keeps serving") {
  Node node(loopback_options("caller"));
  picos_test::run_in([&] {
    auto [child, location] = start_helper("server");
    auto compute = located(node, location, "compute");
    for (int round = 0; round < 3; ++round) {
      try {
        (void)compute->call(5s, 1.5, 2.5, 3.5);
        FAIL("a call with the wrong arguments should be refused");
      } catch (const CallError& error) {
        CHECK(error.failure() == CallFailure::bad_arguments);
        CHECK(std::string(error.what()).find("takes (i32,string) but was called with (f64,f64,f64)") !=
              std::string::npos);
      }
      CHECK(compute->call(5s, 2, "ab").result<double>(5s) == doctest::Approx(5.0));
    }
    CHECK(node.peers().size() == 1);  // the link survived every refusal
    stop_helper(child);
  });
}

TEST_CASE("another process: an unknown service name is not found within the timeout") {
  Node node(loopback_options("caller"));
  picos_test::run_in([&] {
    auto [child, location] = start_helper("server");
    REQUIRE(node.peer(location, 5s));
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(picos::rti::locate(node, "no-such-service", location, 3s));
    CHECK(std::chrono::steady_clock::now() - start < 3s);  // the server said no; no timeout needed
    stop_helper(child);
  });
}

TEST_CASE("another process: a monitor receives the status of every invocation, successes and failures") {
  Node node(loopback_options("caller"));
  picos_test::run_in([&] {
    auto [child, location] = start_helper("server");
    REQUIRE(node.peer(location, 5s));
    auto compute = picos::rti::locate(node, "compute", location, 5s);
    auto fail = picos::rti::locate(node, "fail", location, 5s);
    REQUIRE(compute);
    REQUIRE(fail);
    REQUIRE(compute->monitor(this_task::current(), 5s));
    REQUIRE(fail->monitor(this_task::current(), 5s));
    const Invocation good = compute->call(5s, 10, "");
    const Invocation bad = fail->call(5s, "no");
    int finished = 0;
    int failed = 0;
    for (int i = 0; i < 2; ++i) {
      auto status = next_of<RemoteMonitorStatus>(10s);
      REQUIRE(status);
      if (status->kind == RemoteMonitorStatus::Kind::finished) {
        ++finished;
        CHECK(status->task == good.task());
        CHECK(status->value.get<double>() == doctest::Approx(15.0));
      } else {
        ++failed;
        CHECK(status->kind == RemoteMonitorStatus::Kind::failed);
        CHECK(status->task == bad.task());
        CHECK(status->error_message == "no");
      }
    }
    CHECK(finished == 1);
    CHECK(failed == 1);
    stop_helper(child);
  });
}

TEST_CASE("another process: closing a service terminates its running invocations") {
  Node node(loopback_options("caller"));
  picos_test::run_in([&] {
    auto [child, location] = start_helper("server");
    auto nap = located(node, location, "nap");
    const Invocation first = nap->call(5s, 60000);
    const Invocation second = nap->call(5s, 60000);
    child.write("close nap\n", 5s);
    CHECK(child.readline(5s).starts_with("CLOSED nap"));
    CHECK(first.wait(5s).kind == RemoteMonitorStatus::Kind::terminated);
    CHECK(second.wait(5s).kind == RemoteMonitorStatus::Kind::terminated);
    try {
      (void)nap->call(5s, 1);
      FAIL("a closed service should refuse calls");
    } catch (const CallError& error) {
      CHECK(error.failure() == CallFailure::no_service);
    }
    stop_helper(child);
  });
}

TEST_CASE("another process: when the server is killed, a caller's wait ends as unreachable within the heartbeat bound") {
  Node node(loopback_options("caller"));
  picos_test::run_in([&] {
    auto [child, location] = start_helper("victim");
    auto nap = located(node, location, "nap");
    REQUIRE(nap->monitor(this_task::current(), 5s));
    REQUIRE(nap->monitor(this_task::current(), 5s));  // asking twice changes nothing
    const Invocation run = nap->call(5s, 60000);
    kill_process(child);
    const auto killed_at = std::chrono::steady_clock::now();
    const RemoteMonitorStatus status = run.wait(10s);
    const auto waited = std::chrono::steady_clock::now() - killed_at;
    CHECK(status.kind == RemoteMonitorStatus::Kind::unreachable);
    CHECK(status.task == run.task());
    // heartbeat_timeout 1 s plus one interval, with slack for a loaded machine.
    CHECK(waited < 5s);
    MESSAGE("wait ended " << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()
                          << " ms after the server was killed");
    // The service's monitor hears of it once, naming the service.
    auto monitored = next_of<RemoteMonitorStatus>(5s);
    REQUIRE(monitored);
    CHECK(monitored->kind == RemoteMonitorStatus::Kind::unreachable);
    CHECK(monitored->task.name == "nap");
    CHECK_FALSE(next_of<RemoteMonitorStatus>(200ms));  // once only
    try {
      (void)nap->call(1s, 1);
      FAIL("a call to an offline node should fail");
    } catch (const CallError& error) {
      CHECK(error.failure() == CallFailure::unreachable);
    }
    (void)child.wait(10s);
  });
}

TEST_CASE("another process: when the server freezes, a caller's wait ends as unreachable by the heartbeat") {
  Node node(loopback_options("caller"));
  picos_test::run_in([&] {
    auto [child, location] = start_helper("sleeper");
    auto nap = located(node, location, "nap");
    const Invocation run = nap->call(5s, 60000);
    REQUIRE(stop_process(child));
    const auto stopped_at = std::chrono::steady_clock::now();
    // The kernel still acknowledges TCP for a stopped process: only the missing heartbeats tell.
    const RemoteMonitorStatus status = run.wait(10s);
    const auto waited = std::chrono::steady_clock::now() - stopped_at;
    CHECK(status.kind == RemoteMonitorStatus::Kind::unreachable);
    CHECK(waited >= 500ms);
    CHECK(waited < 5s);  // heartbeat_timeout 1 s plus one interval, with slack for a loaded machine
    MESSAGE("wait ended " << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()
                          << " ms after the server froze");
    kill_process(child);
    (void)child.wait(10s);
  });
}

TEST_CASE("another process: sequential calls take a bounded round trip each") {
  Node node(loopback_options("caller"));
  picos_test::run_in([&] {
    auto [child, location] = start_helper("server");
    auto compute = located(node, location, "compute");
    constexpr int calls = 300;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) REQUIRE(compute->call(5s, i, "").result<double>(5s) == doctest::Approx(i * 1.5));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(elapsed < 30s);
    MESSAGE(calls << " sequential call + result round trips: "
                  << std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count() / calls << " us each");
    stop_helper(child);
  });
}
