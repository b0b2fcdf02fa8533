#include "run_in.hpp"

#include <picos/picos.hpp>
#include <picos/receive.hpp>
#include <picos/serialization.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;
using picos_test::run_in;

namespace {
struct Opaque {
  int value = 0;
};

picos::MonitorStatus round_trip(const picos::MonitorStatus& status) {
  picos::Message back = picos::deserialize(picos::serialize(picos::Message(status)));
  return back.get<picos::MonitorStatus>();
}

picos::MonitorStatus watch(picos::Task worker) {
  picos::this_task::current().monitor(worker);
  auto message = picos::this_task::receive_as<picos::MonitorStatus>(10s);
  REQUIRE(message.has_value());
  return std::move(*message);
}
}  // namespace

TEST_CASE("monitor statuses of all three endings survive serialization") {
  picos::set_log_sink([](picos::LogLevel, const std::string&) {});
  run_in([] {
    auto finished = watch(picos::spawn([] {
      picos::this_task::sleep(1ms);
      return std::string("result");
    }));
    CHECK(finished.kind == picos::MonitorStatus::Kind::finished);
    auto finished_back = round_trip(finished);
    CHECK(finished_back.kind == picos::MonitorStatus::Kind::finished);
    CHECK(finished_back.value.get<std::string>() == "result");

    auto failed = watch(picos::spawn([]() -> int {
      picos::this_task::sleep(1ms);
      throw std::invalid_argument("bad input");
    }));
    auto failed_back = round_trip(failed);
    CHECK(failed_back.kind == picos::MonitorStatus::Kind::failed);
    CHECK(failed_back.error_type == "std::invalid_argument");
    CHECK(failed_back.error_message == "bad input");
    CHECK_FALSE(failed_back.error);  // the exception_ptr stays local

    auto victim = picos::spawn([] { picos::this_task::suspend(); });
    picos::this_task::current().monitor(victim);
    picos::this_task::yield();
    victim.terminate();
    auto terminated = picos::this_task::receive_as<picos::MonitorStatus>(10s);
    REQUIRE(terminated.has_value());
    CHECK(round_trip(*terminated).kind == picos::MonitorStatus::Kind::terminated);
  });
  picos::set_log_sink({});
}

TEST_CASE("a return value that cannot be serialized becomes a serialization failure status") {
  picos::MonitorStatus status;
  status.kind = picos::MonitorStatus::Kind::finished;
  status.value = Opaque{3};
  auto back = round_trip(status);
  CHECK(back.kind == picos::MonitorStatus::Kind::failed);
  CHECK(back.error_type == "picos::SerializationError");
  CHECK(back.error_message.find("Opaque") != std::string::npos);
}
