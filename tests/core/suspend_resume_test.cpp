#include "run_in.hpp"

#include <picos/picos.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using namespace std::chrono_literals;
using picos_test::run_in;

TEST_CASE("suspend returns the value given to resume") {
  run_in([] {
    auto sleeper = picos::spawn([] { return picos::this_task::suspend().get<int>(); });
    picos::this_task::yield();
    CHECK(sleeper.resume(picos::Message(11)));
    CHECK(sleeper.finish().get<int>() == 11);
  });
}

TEST_CASE("suspend with a timeout returns the alarm value when nobody resumes") {
  run_in([] {
    auto start = std::chrono::steady_clock::now();
    picos::Message value = picos::this_task::suspend(20ms, picos::Message(std::string("alarm")));
    CHECK(value.get<std::string>() == "alarm");
    CHECK(std::chrono::steady_clock::now() - start >= 20ms);
  });
}

TEST_CASE("suspend with a zero or negative timeout returns the alarm at once") {
  run_in([] {
    CHECK(picos::this_task::suspend(0ms, picos::Message(1)).get<int>() == 1);
    CHECK(picos::this_task::suspend(-5ms, picos::Message(2)).get<int>() == 2);
  });
}

TEST_CASE("sleep returns early with the resume value") {
  run_in([] {
    auto sleeper = picos::spawn([] { return picos::this_task::sleep(10s); });
    picos::this_task::sleep(1ms);
    sleeper.resume(picos::Message(3));
    CHECK(sleeper.finish(5s).get<int>() == 3);
  });
}

TEST_CASE("resume of a task that is not suspended is ignored") {
  run_in([] {
    auto receiver = picos::spawn([] { return picos::this_task::receive(200ms).has_value(); });
    picos::this_task::yield();
    CHECK_FALSE(receiver.resume(picos::Message(1)));  // resume never wakes receive
    CHECK(receiver.is_alive());
    CHECK(receiver.finish().get<bool>() == false);
    CHECK_FALSE(receiver.resume());  // ended
    CHECK_FALSE(picos::Task().resume());
  });
}

TEST_CASE("messages do not wake a suspended task; they wait in its mailbox") {
  run_in([] {
    auto sleeper = picos::spawn([] {
      picos::Message woke = picos::this_task::suspend(50ms, picos::Message(std::string("timeout")));
      CHECK(picos::this_task::pending_messages() == 1);
      return woke.get<std::string>() + "+" + picos::this_task::receive().get<std::string>();
    });
    picos::this_task::yield();
    CHECK(sleeper.send(picos::Message("mail")));
    CHECK(sleeper.finish().get<std::string>() == "timeout+mail");
  });
}

TEST_CASE("receive with a zero timeout only polls") {
  run_in([] {
    CHECK_FALSE(picos::this_task::receive(0ms).has_value());
    picos::this_task::current().send(picos::Message(5));
    auto got = picos::this_task::receive(0ms);
    REQUIRE(got.has_value());
    CHECK(got->get<int>() == 5);
  });
}

TEST_CASE("receive times out with no message") {
  run_in([] { CHECK_FALSE(picos::this_task::receive(10ms).has_value()); });
}

TEST_CASE("messages from one sender arrive in the order sent") {
  run_in([] {
    constexpr int count = 100000;
    auto receiver = picos::spawn([] {
      for (int expected = 0; expected < count; ++expected) {
        if (picos::this_task::receive().get<int>() != expected) return false;
      }
      return true;
    });
    for (int i = 0; i < count; ++i) {
      receiver.send(picos::Message(i));
      if (i % 1000 == 0) picos::this_task::yield();
    }
    CHECK(receiver.finish().get<bool>());
  });
}

TEST_CASE("send and deliver to an ended task fail") {
  run_in([] {
    auto done = picos::spawn([] {});
    done.finish();
    CHECK_FALSE(done.send(picos::Message(1)));
    CHECK(done.deliver(picos::Message(1)) == picos::Delivery::invalid);
    auto alive = picos::spawn([] { return picos::this_task::receive().get<int>(); });
    CHECK(alive.deliver(picos::Message(4)) == picos::Delivery::delivered);
    CHECK(alive.finish().get<int>() == 4);
  });
}

TEST_CASE("task-only calls made from a plain thread throw WrongContext") {
  CHECK_THROWS_AS(picos::this_task::suspend(), picos::WrongContext);
  CHECK_THROWS_AS(picos::this_task::receive(), picos::WrongContext);
  CHECK_THROWS_AS(picos::this_task::yield(), picos::WrongContext);
  CHECK_THROWS_AS(picos::this_task::set_daemon(), picos::WrongContext);
}

TEST_CASE("an empty message handed to a waiting receiver is received, not lost") {
  run_in([] {
    auto receiver = picos::spawn([] {
      auto first = picos::this_task::receive(5s);
      auto second = picos::this_task::receive(5s);
      return first.has_value() && first->empty() && second.has_value() && second->get<int>() == 2;
    });
    picos::this_task::yield();  // the receiver now waits, so the first message is handed over
    receiver.send(picos::Message{});
    receiver.send(picos::Message(2));
    CHECK(receiver.finish().get<bool>());
  });
}
