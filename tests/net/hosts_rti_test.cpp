// Multi-host tests (suite "hosts"): remote task invocation (rti.hpp) between lab hosts (network
// namespaces, see netns_support.hpp). Both nodes belong to this process but each was opened in
// its own host's namespace, so every call crosses the lab's bridge.
#include "hosts_support.hpp"
#include "run_in.hpp"

#include <picos/rti.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <thread>
#include <vector>

using namespace net_test;
using picos::RemoteMonitorStatus;
using picos::rti::CallError;
using picos::rti::CallFailure;
using picos::rti::Invocation;
using picos::rti::RemoteError;

TEST_SUITE("hosts") {

TEST_CASE("across hosts a registered function is located, called for its result and its failure") {
  NetnsLab lab(2);
  if (!lab_ready(lab)) return;
  const auto server = node_on(lab, 1, "server");
  const auto caller = node_on(lab, 0, "caller");
  picos::rti::Service compute(*server, "compute", [](int a, const std::string& b) -> double {
    return a * 1.5 + static_cast<double>(b.size());
  });
  picos::rti::Service fail(*server, "fail", [](std::string text) -> int { throw std::runtime_error(text); });
  REQUIRE(has_peers(*caller, {server->location()}, 10s));
  // Invocations run as tasks of the default scheduler; none may be left behind.
  const std::size_t tasks_before = picos::Scheduler::instance().task_count();
  picos_test::run_in([&] {
    // Found by asking every peer, then at the named host.
    auto any = picos::rti::locate(*caller, "compute", std::nullopt, 5s);
    REQUIRE(any);
    CHECK(any->reference().origin == server->location());
    auto located = picos::rti::locate(*caller, "compute", server->location(), 5s);
    REQUIRE(located);
    CHECK(located->signature() == "tuple<i32,string>");
    std::vector<Invocation> runs;
    for (int i = 0; i < 10; ++i) runs.push_back(located->call(5s, i, std::string(static_cast<std::size_t>(i), 'x')));
    for (std::size_t i = 0; i < runs.size(); ++i) {
      CHECK(runs[i].result<double>(5s) == doctest::Approx(static_cast<double>(i) * 2.5));
    }

    auto failing = picos::rti::locate(*caller, "fail", server->location(), 5s);
    REQUIRE(failing);
    const RemoteMonitorStatus status = failing->call(5s, std::string("no luck across hosts")).wait(5s);
    CHECK(status.kind == RemoteMonitorStatus::Kind::failed);
    CHECK(status.error_type == "std::runtime_error");
    CHECK(status.error_message == "no luck across hosts");
    CHECK_THROWS_AS((void)failing->call(5s, std::string("again")).result<int>(5s), RemoteError);
    // Arguments of the wrong types are refused by the server before any task starts.
    try {
      (void)located->call(5s, std::string("not an int"));
      FAIL("a call with mismatched arguments should throw CallError");
    } catch (const CallError& error) {
      CHECK(error.failure() == CallFailure::bad_arguments);
    }
    CHECK_FALSE(picos::rti::locate(*caller, "nowhere", server->location(), 2s));
  });
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (picos::Scheduler::instance().task_count() != tasks_before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(picos::Scheduler::instance().task_count() == tasks_before);
  CHECK(compute.running() == 0);
  CHECK(fail.running() == 0);
}

}  // TEST_SUITE("hosts")
