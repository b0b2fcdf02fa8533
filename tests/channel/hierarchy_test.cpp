#include "run_in.hpp"

#include <picos/channel.hpp>
#include <picos/picos.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using picos_test::run_in;

namespace {
picos::Task reader(int count) {
  return picos::spawn([count] {
    std::vector<std::string> seen;
    for (int i = 0; i < count; ++i) seen.push_back(picos::this_task::receive().get<std::string>());
    return seen;
  });
}

picos::ChannelTransform tag(const std::string& suffix) {
  return [suffix](const std::string&, picos::Message message) -> std::optional<picos::Message> {
    return picos::Message(std::move(message).get<std::string>() + suffix);
  };
}
}  // namespace

TEST_CASE("a three-level channel hierarchy reaches every task and deliver sums the count") {
  run_in([] {
    picos::Channel root("h-root");
    picos::Channel middle("h-middle", tag("+m"));
    picos::Channel leaf("h-leaf", tag("+l"));
    picos::Channel side("h-side");
    auto at_root = reader(2);
    auto at_middle = reader(2);
    auto at_leaf_a = reader(2);
    auto at_leaf_b = reader(2);
    auto at_side = reader(2);
    root.subscribe(at_root);
    root.subscribe(middle);
    root.subscribe(side);
    middle.subscribe(at_middle);
    middle.subscribe(leaf);
    leaf.subscribe(at_leaf_a);
    leaf.subscribe(at_leaf_b);
    side.subscribe(at_side);
    CHECK(root.deliver(std::string("x"), 1s, 3) == 5);
    CHECK(middle.send(std::string("y")) == 3);
    CHECK(root.send(std::string("z")) == 5);
    using Seen = std::vector<std::string>;
    CHECK(at_root.finish().get<Seen>() == Seen{"x", "z"});
    CHECK(at_middle.finish().get<Seen>() == Seen{"x+m", "y+m"});
    CHECK(at_leaf_a.finish().get<Seen>() == Seen{"x+m+l", "y+m+l"});
    CHECK(at_leaf_b.finish().get<Seen>() == Seen{"x+m+l", "y+m+l"});
    CHECK(at_side.finish().get<Seen>() == Seen{"x", "z"});
  });
}

TEST_CASE("a transform in the middle of a hierarchy can drop a message for its branch only") {
  run_in([] {
    picos::Channel root("d-root");
    picos::Channel filter("d-filter", [](const std::string&, picos::Message m) -> std::optional<picos::Message> {
      if (m.get<std::string>() == "secret") return std::nullopt;
      return m;
    });
    auto direct = reader(2);
    auto filtered = reader(1);
    root.subscribe(direct);
    root.subscribe(filter);
    filter.subscribe(filtered);
    CHECK(root.send(std::string("secret")) == 1);
    CHECK(root.send(std::string("public")) == 2);
    CHECK(direct.finish().get<std::vector<std::string>>() == std::vector<std::string>{"secret", "public"});
    CHECK(filtered.finish().get<std::vector<std::string>>() == std::vector<std::string>{"public"});
  });
}

TEST_CASE("subscriptions that would make a cycle are refused") {
  picos::Channel a("c-a");
  picos::Channel b("c-b");
  picos::Channel c("c-c");
  CHECK(a.subscribe(b));
  CHECK(b.subscribe(c));
  CHECK_THROWS_AS(c.subscribe(a), std::invalid_argument);
  CHECK_THROWS_AS(a.subscribe(a), std::invalid_argument);
  CHECK(a.subscribe(c));  // a diamond is not a cycle
}

TEST_CASE("a closed sub-channel is dropped from its parent") {
  run_in([] {
    picos::Channel parent("p-parent");
    picos::Channel child("p-child");
    auto task = reader(1);
    parent.subscribe(child);
    parent.subscribe(task);
    child.close();
    CHECK(parent.send(std::string("m")) == 1);
    CHECK(parent.subscriber_count() == 1);
    task.finish();
  });
}

TEST_CASE("ten thousand messages keep their order through a three-level hierarchy") {
  run_in([] {
    picos::Channel top("o-top");
    picos::Channel mid("o-mid");
    picos::Channel low("o-low");
    top.subscribe(mid);
    mid.subscribe(low);
    auto receiver = picos::spawn([] {
      for (int i = 0; i < 10'000; ++i) {
        if (picos::this_task::receive().get<int>() != i) return false;
      }
      return true;
    });
    low.subscribe(receiver);
    for (int i = 0; i < 10'000; ++i) {
      top.send(i);
      if (i % 500 == 0) picos::this_task::yield();
    }
    CHECK(receiver.finish().get<bool>());
  });
}
