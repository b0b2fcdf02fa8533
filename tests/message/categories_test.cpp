#include "run_in.hpp"

#include <picos/categories.hpp>
#include <picos/picos.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using namespace std::chrono_literals;
using picos_test::run_in;

namespace {
// Strings starting with "ctl:" are control messages; ints are data.
void add_test_classifiers() {
  picos::this_task::add_classifier([](const picos::Message& m) -> std::optional<std::string> {
    if (const auto* text = m.get_if<std::string>(); text != nullptr && text->rfind("ctl:", 0) == 0) return "control";
    return std::nullopt;
  });
  picos::this_task::add_classifier([](const picos::Message& m) -> std::optional<std::string> {
    if (m.is<int>()) return "data";
    return std::nullopt;
  });
}
}  // namespace

TEST_CASE("receive by category takes the oldest message of that category") {
  run_in([] {
    add_test_classifiers();
    auto self = picos::this_task::current();
    self.send(1);
    self.send(std::string("hello"));
    self.send(std::string("ctl:stop"));
    self.send(2);
    self.send(std::string("ctl:go"));
    CHECK(picos::this_task::receive("control").get<std::string>() == "ctl:stop");
    CHECK(picos::this_task::receive("control", 0ms)->get<std::string>() == "ctl:go");
    CHECK_FALSE(picos::this_task::receive("control", 0ms).has_value());
    CHECK(picos::this_task::receive_uncategorized(0ms)->get<std::string>() == "hello");
    CHECK(picos::this_task::receive("data").get<int>() == 1);
    CHECK(picos::this_task::receive().get<int>() == 2);
  });
}

TEST_CASE("a task waiting for a category is woken only by a message of that category") {
  run_in([] {
    auto waiter = picos::spawn([] {
      add_test_classifiers();
      picos::this_task::yield();
      auto control = picos::this_task::receive("control", 5s);
      return control ? control->get<std::string>() + "/" + std::to_string(picos::this_task::pending_messages())
                     : std::string("timeout");
    });
    picos::this_task::yield();
    picos::this_task::yield();
    waiter.send(10);
    waiter.send(std::string("plain"));
    picos::this_task::yield();
    CHECK(waiter.is_alive());
    waiter.send(std::string("ctl:now"));
    CHECK(waiter.finish().get<std::string>() == "ctl:now/2");
  });
}

TEST_CASE("a category receive times out and classifiers can be removed") {
  run_in([] {
    const std::size_t id = picos::this_task::add_classifier(
        [](const picos::Message&) -> std::optional<std::string> { return "all"; });
    picos::this_task::current().send(1);
    CHECK(picos::this_task::category_of(picos::Message(1)) == "all");
    CHECK_FALSE(picos::this_task::receive("none", 20ms).has_value());
    CHECK(picos::this_task::remove_classifier(id));
    CHECK_FALSE(picos::this_task::remove_classifier(id));
    CHECK_FALSE(picos::this_task::category_of(picos::Message(1)).has_value());
    CHECK(picos::this_task::receive_uncategorized(0ms)->get<int>() == 1);
  });
}

TEST_CASE("category calls from a plain thread fail loudly") {
  CHECK_THROWS_AS(picos::this_task::receive("x", 0ms), picos::WrongContext);
  CHECK_THROWS_AS(picos::this_task::add_classifier([](const picos::Message&) { return std::optional<std::string>(); }),
                  picos::WrongContext);
}
