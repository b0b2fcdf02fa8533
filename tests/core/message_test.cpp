#include <picos/message.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

TEST_CASE("a message holds a value and answers what type it is") {
  picos::Message message(42);
  CHECK(message.is<int>());
  CHECK_FALSE(message.is<long>());
  CHECK(message.get<int>() == 42);
  CHECK(message.get_if<double>() == nullptr);
  CHECK_THROWS_WITH_AS((void)message.get<std::string>(), doctest::Contains("holds int"), picos::BadMessageAccess);
}

TEST_CASE("string literals are stored as std::string") {
  picos::Message message("text");
  CHECK(message.is<std::string>());
  CHECK(message.get<std::string>() == "text");
}

TEST_CASE("large values live on the heap and move without copying") {
  std::vector<int> big(1000, 7);
  const int* data = big.data();
  picos::Message message(std::move(big));
  picos::Message moved(std::move(message));
  CHECK(message.empty());
  CHECK(moved.get<std::vector<int>>().data() == data);
}

TEST_CASE("move-only values are held, and copying them is a clear error") {
  picos::Message message(std::make_unique<int>(5));
  CHECK(*message.get<std::unique_ptr<int>>() == 5);
  CHECK_THROWS_AS(picos::Message{message}, picos::BadMessageAccess);
  auto taken = std::move(message).get<std::unique_ptr<int>>();
  CHECK(*taken == 5);
}

TEST_CASE("copyable values are copied with the message") {
  picos::Message original(std::string(100, 'x'));
  picos::Message copy = original;
  CHECK(copy.get<std::string>() == original.get<std::string>());
  CHECK(copy.get_if<std::string>() != original.get_if<std::string>());
}

TEST_CASE("an empty message holds nothing") {
  picos::Message message;
  CHECK(message.empty());
  CHECK(message.type() == typeid(void));
  message.emplace<double>(1.5);
  CHECK(message.get<double>() == 1.5);
  message.reset();
  CHECK_FALSE(message);
}
