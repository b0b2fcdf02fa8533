#include "run_in.hpp"

#include <picos/channel.hpp>
#include <picos/picos.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using picos_test::run_in;

namespace {
// A task that collects `count` strings and returns them joined with '|'.
picos::Task collector(int count) {
  return picos::spawn([count] {
    std::string seen;
    for (int i = 0; i < count; ++i) {
      auto message = picos::this_task::receive(5s);
      if (!message) return seen + "|timeout";
      seen += (i ? "|" : "") + message->get<std::string>();
    }
    return seen;
  });
}
}  // namespace

TEST_CASE("send gives every subscribed task its own copy and counts them") {
  run_in([] {
    picos::Channel channel("news");
    auto a = collector(2);
    auto b = collector(2);
    CHECK(channel.subscribe(a));
    CHECK(channel.subscribe(b));
    CHECK(channel.subscribe(b));  // idempotent
    CHECK(channel.subscriber_count() == 2);
    CHECK(channel.send(std::string("one")) == 2);
    CHECK(channel.deliver(std::string("two")) == 2);
    CHECK(a.finish().get<std::string>() == "one|two");
    CHECK(b.finish().get<std::string>() == "one|two");
  });
}

TEST_CASE("channel names are unique among open channels and freed by close") {
  picos::Channel first("unique-name");
  CHECK(first.name() == "unique-name");
  CHECK_THROWS_AS(picos::Channel("unique-name"), std::invalid_argument);
  CHECK_THROWS_AS(picos::Channel(""), std::invalid_argument);
  first.close();
  CHECK_FALSE(first.is_open());
  picos::Channel second("unique-name");
  CHECK(second.is_open());
  { picos::Channel scoped("scoped-name"); }
  picos::Channel again("scoped-name");  // the last handle's destruction freed it
  std::ostringstream out;
  out << again << " " << picos::Channel{};
  CHECK(out.str() == "channel:scoped-name <no channel>");
}

TEST_CASE("a transform may rewrite or drop a message, and a failing transform drops only that one") {
  picos::set_log_sink([](picos::LogLevel, const std::string&) {});
  run_in([] {
    picos::Channel channel("shout", [](const std::string& name, picos::Message message) -> std::optional<picos::Message> {
      auto text = std::move(message).get<std::string>();
      if (text == "drop") return std::nullopt;
      if (text == "fail") throw std::runtime_error("transform failed");
      return picos::Message(name + ":" + text + "!");
    });
    auto reader = collector(2);
    channel.subscribe(reader);
    CHECK(channel.send(std::string("hi")) == 1);
    CHECK(channel.send(std::string("drop")) == 0);
    CHECK(channel.send(std::string("fail")) == 0);
    channel.set_transform({});
    CHECK(channel.send(std::string("plain")) == 1);
    CHECK(reader.finish().get<std::string>() == "shout:hi!|plain");
  });
  picos::set_log_sink({});
}

TEST_CASE("unsubscribed and ended tasks receive nothing more") {
  run_in([] {
    picos::Channel channel("leaving");
    auto stays = collector(2);
    auto leaves = picos::spawn([] { return picos::this_task::receive().get<std::string>(); });
    channel.subscribe(stays);
    channel.subscribe(leaves);
    CHECK(channel.send(std::string("a")) == 2);
    CHECK(leaves.finish().get<std::string>() == "a");
    CHECK(channel.send(std::string("b")) == 1);  // the ended task is dropped
    CHECK(channel.subscriber_count() == 1);
    CHECK(channel.unsubscribe(stays));
    CHECK_FALSE(channel.unsubscribe(stays));
    CHECK(channel.send(std::string("c")) == 0);
    CHECK(stays.finish().get<std::string>() == "a|b");
  });
}

TEST_CASE("deliver waits for the requested number of subscribers") {
  run_in([] {
    picos::Channel channel("gather");
    auto sender = picos::spawn([channel] { return channel.deliver(std::string("go"), 5s, 3); });
    std::vector<picos::Task> readers;
    for (int i = 0; i < 3; ++i) {
      picos::this_task::sleep(2ms);
      CHECK(sender.is_alive());
      readers.push_back(collector(1));
      channel.subscribe(readers.back());
    }
    CHECK(sender.finish().get<std::size_t>() == 3);
    for (auto& reader : readers) CHECK(reader.finish().get<std::string>() == "go");
  });
}

TEST_CASE("deliver returns 0 when too few subscribers come before the timeout or the channel closes") {
  run_in([] {
    picos::Channel channel("sparse");
    auto reader = collector(1);
    channel.subscribe(reader);
    CHECK(channel.deliver(std::string("x"), 10ms, 2) == 0);
    CHECK(channel.deliver(std::string("x"), 0ms, 2) == 0);
    auto waiting = picos::spawn([channel] { return channel.deliver(std::string("y"), {}, 5); });
    picos::this_task::yield();
    channel.close();
    CHECK(waiting.finish().get<std::size_t>() == 0);
    CHECK(channel.send(std::string("z")) == 0);
    CHECK_FALSE(channel.subscribe(reader));
    reader.terminate();
  });
}

TEST_CASE("registered channels can be located by name until unregistered or closed") {
  picos::Channel channel("findable");
  CHECK_FALSE(picos::Channel::locate("findable").has_value());
  CHECK(channel.register_name());
  auto found = picos::Channel::locate("findable");
  REQUIRE(found.has_value());
  CHECK(*found == channel);
  CHECK(channel.unregister_name());
  CHECK_FALSE(picos::Channel::locate("findable").has_value());
  channel.register_name();
  channel.close();
  CHECK_FALSE(picos::Channel::locate("findable").has_value());
  CHECK_FALSE(channel.register_name());
}

TEST_CASE("messages sent to a channel from a plain thread arrive in order") {
  picos::Scheduler scheduler;
  picos::Channel channel("from-thread");
  auto reader = scheduler.spawn([] {
    for (int i = 0; i < 10'000; ++i) {
      if (picos::this_task::receive().get<int>() != i) return false;
    }
    return true;
  });
  channel.subscribe(reader);
  std::thread sender([channel] {
    for (int i = 0; i < 10'000; ++i) channel.send(i);
  });
  scheduler.run();
  sender.join();
  CHECK(reader.value().get<bool>());
}

TEST_CASE("a channel handle can travel in a message") {
  run_in([] {
    picos::Channel channel("travels");
    auto subscriber = picos::spawn([] {
      auto where = picos::this_task::receive().get<picos::Channel>();
      where.subscribe(picos::this_task::current());
      return picos::this_task::receive().get<std::string>();
    });
    subscriber.send(channel);
    CHECK(channel.deliver(std::string("hello"), 5s, 1) == 1);
    CHECK(subscriber.finish().get<std::string>() == "hello");
  });
}
