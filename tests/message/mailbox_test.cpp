#include "run_in.hpp"

#include <picos/picos.hpp>
#include <picos/receive.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using picos_test::run_in;

namespace {
constexpr std::int64_t count = 1'000'000;
}  // namespace

TEST_CASE("one million messages from one sender arrive in the order sent") {
  run_in([] {
    auto receiver = picos::spawn([] {
      std::int64_t expected = 0;
      while (expected < count) {
        const std::int64_t got = picos::this_task::receive().get<std::int64_t>();
        if (got != expected) return expected;  // report the first gap
        ++expected;
      }
      return expected;
    });
    for (std::int64_t i = 0; i < count; ++i) {
      REQUIRE(receiver.send(i));
      if (i % 10'000 == 0) picos::this_task::yield();
    }
    CHECK(receiver.finish().get<std::int64_t>() == count);
  });
}

TEST_CASE("messages from several senders keep each sender's order") {
  run_in([] {
    auto receiver = picos::spawn([] {
      int next[3] = {0, 0, 0};
      for (int i = 0; i < 3000; ++i) {
        auto [sender, seq] = picos::this_task::receive().get<std::pair<int, int>>();
        if (seq != next[sender]) return false;
        ++next[sender];
      }
      return true;
    });
    for (int s = 0; s < 3; ++s) {
      picos::spawn([receiver, s] {
        for (int i = 0; i < 1000; ++i) {
          receiver.send(std::pair<int, int>(s, i));
          if (i % 7 == s) picos::this_task::yield();
        }
      });
    }
    CHECK(receiver.finish().get<bool>());
  });
}

TEST_CASE("messages sent from a plain thread arrive in the order sent") {
  picos::Scheduler scheduler;
  auto receiver = scheduler.spawn([] {
    for (int i = 0; i < 100'000; ++i) {
      if (picos::this_task::receive().get<int>() != i) return false;
    }
    return true;
  });
  std::thread sender([receiver] {
    for (int i = 0; i < 100'000; ++i) receiver.send(i);
  });
  scheduler.run();
  sender.join();
  CHECK(receiver.value().get<bool>());
}

TEST_CASE("a zero timeout only polls the mailbox") {
  run_in([] {
    const auto before = std::chrono::steady_clock::now();
    CHECK_FALSE(picos::this_task::receive(0ms).has_value());
    CHECK(std::chrono::steady_clock::now() - before < 50ms);
    picos::this_task::current().send(5);
    auto got = picos::this_task::receive(0ms);
    REQUIRE(got.has_value());
    CHECK(got->get<int>() == 5);
  });
}

TEST_CASE("receive gives up after its timeout") {
  run_in([] {
    const auto before = std::chrono::steady_clock::now();
    CHECK_FALSE(picos::this_task::receive(30ms).has_value());
    CHECK(std::chrono::steady_clock::now() - before >= 30ms);
  });
}

TEST_CASE("a message does not wake a suspended task; it waits in the mailbox") {
  run_in([] {
    auto sleeper = picos::spawn([] {
      picos::Message resumed = picos::this_task::suspend();
      auto queued = picos::this_task::receive(0ms);
      return resumed.get<std::string>() + "+" + (queued ? queued->get<std::string>() : "none");
    });
    picos::this_task::yield();
    CHECK(sleeper.send(std::string("mail")));
    for (int i = 0; i < 5; ++i) picos::this_task::yield();
    CHECK(sleeper.is_alive());
    CHECK(sleeper.resume(std::string("resume")));
    CHECK(sleeper.finish().get<std::string>() == "resume+mail");
  });
}

TEST_CASE("resume does not wake a receiving task") {
  picos::set_log_sink([](picos::LogLevel, const std::string&) {});
  run_in([] {
    auto receiver = picos::spawn([] { return picos::this_task::receive().get<int>(); });
    picos::this_task::yield();
    CHECK_FALSE(receiver.resume(1));
    for (int i = 0; i < 5; ++i) picos::this_task::yield();
    CHECK(receiver.is_alive());
    receiver.send(2);
    CHECK(receiver.finish().get<int>() == 2);
  });
  picos::set_log_sink({});
}

TEST_CASE("deliver reports delivered for a live task and invalid for an ended one") {
  run_in([] {
    auto receiver = picos::spawn([] { return picos::this_task::receive().get<int>(); });
    CHECK(receiver.deliver(3, 1s) == picos::Delivery::delivered);
    CHECK(receiver.finish().get<int>() == 3);
    CHECK(receiver.deliver(4) == picos::Delivery::invalid);
    CHECK_FALSE(receiver.send(4));
  });
}

TEST_CASE("receive_as takes the oldest message of the wanted type and leaves the others in order") {
  run_in([] {
    auto self = picos::this_task::current();
    self.send(std::string("first"));
    self.send(1);
    self.send(std::string("second"));
    self.send(2);
    CHECK(picos::this_task::receive_as<int>(0ms) == 1);
    CHECK(picos::this_task::receive_as<int>() == 2);
    CHECK_FALSE(picos::this_task::receive_as<int>(0ms).has_value());
    CHECK(picos::this_task::receive().get<std::string>() == "first");
    CHECK(picos::this_task::receive().get<std::string>() == "second");
    CHECK(picos::this_task::receive_as<std::string>(10ms) == std::nullopt);
  });
}

TEST_CASE("a selective receive that waits keeps the mailbox in arrival order") {
  run_in([] {
    auto receiver = picos::spawn([] {
      std::string seen;
      seen += std::to_string(picos::this_task::receive_as<int>());  // "a" is queued meanwhile
      for (int i = 0; i < 3; ++i) seen += "," + picos::this_task::receive().get<std::string>();
      return seen;
    });
    receiver.send(std::string("a"));
    picos::this_task::yield();  // receiver parks with "a" unmatched
    receiver.send(std::string("b"));
    receiver.send(7);
    receiver.send(std::string("c"));
    CHECK(receiver.finish().get<std::string>() == "7,a,b,c");
  });
}

TEST_CASE("a receive that was handed a message keeps it older than later arrivals") {
  run_in([] {
    auto receiver = picos::spawn([] {
      (void)picos::this_task::receive_if([](const picos::Message& m) { return m.is<double>(); }, 0ms);
      picos::this_task::suspend();  // "x" (handed over earlier) stays queued before "y"
      std::string seen;
      for (int i = 0; i < 2; ++i) seen += picos::this_task::receive().get<std::string>();
      return seen;
    });
    picos::this_task::yield();
    receiver.send(std::string("x"));
    receiver.send(std::string("y"));
    picos::this_task::yield();
    receiver.resume();
    CHECK(receiver.finish().get<std::string>() == "xy");
  });
}
