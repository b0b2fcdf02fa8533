#include <picos/serialization.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <unordered_map>
#include <variant>
#include <vector>

namespace {

struct Point {
  std::int32_t x = 0;
  std::int32_t y = 0;
  std::string label;
  template <class Archive>
  void serialize(Archive& archive) {
    archive(x, y, label);
  }
  friend bool operator==(const Point&, const Point&) = default;
};

struct NotRegistered {
  int value = 0;
};

struct Other {
  int value = 0;
  template <class Archive>
  void serialize(Archive& archive) {
    archive(value);
  }
};

template <class T>
T round_trip(const T& value) {
  picos::Message original(value);
  const picos::Bytes bytes = picos::serialize(original);
  picos::Message back = picos::deserialize(bytes);
  REQUIRE(back.is<T>());
  return back.get<T>();
}

}  // namespace

PICOS_MESSAGE_TYPE(Point, "test.point");

using PointList = std::vector<Point>;
using Mixed = std::tuple<std::int32_t, std::string, std::optional<double>>;
using Choice = std::variant<std::int64_t, std::string, Point>;

TEST_CASE("every built-in scalar survives a round trip") {
  CHECK(round_trip(true) == true);
  CHECK(round_trip(false) == false);
  CHECK(round_trip('z') == 'z');
  CHECK(round_trip(std::int8_t{-7}) == -7);
  CHECK(round_trip(std::int16_t{-30000}) == -30000);
  CHECK(round_trip(std::numeric_limits<std::int32_t>::min()) == std::numeric_limits<std::int32_t>::min());
  CHECK(round_trip(std::numeric_limits<std::int64_t>::max()) == std::numeric_limits<std::int64_t>::max());
  CHECK(round_trip(std::uint8_t{255}) == 255);
  CHECK(round_trip(std::uint16_t{65535}) == 65535);
  CHECK(round_trip(std::uint32_t{4000000000U}) == 4000000000U);
  CHECK(round_trip(std::numeric_limits<std::uint64_t>::max()) == std::numeric_limits<std::uint64_t>::max());
  CHECK(round_trip(1.5F) == 1.5F);
  CHECK(round_trip(-2.25) == -2.25);
}

TEST_CASE("strings and byte buffers survive a round trip") {
  CHECK(round_trip(std::string()) == "");
  CHECK(round_trip(std::string("hello\0world", 11)) == std::string("hello\0world", 11));
  const std::vector<std::byte> bytes{std::byte{0}, std::byte{0xff}, std::byte{0x42}};
  CHECK(round_trip(bytes) == bytes);
  const std::vector<std::uint8_t> octets{1, 2, 3, 250};
  CHECK(round_trip(octets) == octets);
  picos::Message literal("literal");
  CHECK(picos::deserialize(picos::serialize(literal)).get<std::string>() == "literal");
}

TEST_CASE("built-in containers survive a round trip") {
  CHECK(round_trip(std::vector<std::int32_t>{1, -2, 3}) == std::vector<std::int32_t>{1, -2, 3});
  CHECK(round_trip(std::vector<std::string>{"a", "", "ccc"}) == std::vector<std::string>{"a", "", "ccc"});
  CHECK(round_trip(std::vector<bool>{true, false, true}) == std::vector<bool>{true, false, true});
  CHECK(round_trip(std::vector<double>{}) == std::vector<double>{});
  const std::map<std::string, std::int64_t> ordered{{"one", 1}, {"two", 2}};
  CHECK(round_trip(ordered) == ordered);
  const std::unordered_map<std::string, std::string> hashed{{"k", "v"}, {"x", "y"}};
  CHECK(round_trip(hashed) == hashed);
  CHECK(round_trip(std::optional<std::string>("set")) == std::optional<std::string>("set"));
  CHECK(round_trip(std::optional<std::int32_t>()) == std::nullopt);
  CHECK(round_trip(std::pair<std::string, std::string>("a", "b")) == std::pair<std::string, std::string>("a", "b"));
}

TEST_CASE("an empty message survives a round trip") {
  CHECK(picos::deserialize(picos::serialize(picos::Message{})).empty());
}

TEST_CASE("a registered user type survives a round trip under its registered name") {
  CHECK(picos::message_type_name<Point>() == "test.point");
  CHECK(round_trip(Point{3, -4, "p"}) == Point{3, -4, "p"});
}

TEST_CASE("compositions of registered types get derived names once declared") {
  CHECK(picos::message_type_name<PointList>() == "vector<test.point>");
  CHECK(picos::message_type_name<Mixed>() == "tuple<i32,string,optional<f64>>");
  CHECK(picos::message_type_name<Choice>() == "variant<i64,string,test.point>");
  picos::register_message_type<PointList>();
  picos::register_message_type<Mixed>();
  picos::register_message_type<Choice>();
  picos::register_message_type<std::map<std::string, PointList>>();
  CHECK(round_trip(PointList{{1, 2, "a"}, {3, 4, "b"}}) == PointList{{1, 2, "a"}, {3, 4, "b"}});
  CHECK(round_trip(Mixed{7, "seven", 7.5}) == Mixed{7, "seven", 7.5});
  CHECK(round_trip(Choice{Point{1, 1, "v"}}) == Choice{Point{1, 1, "v"}});
  CHECK(round_trip(Choice{std::string("s")}) == Choice{std::string("s")});
  const std::map<std::string, PointList> nested{{"line", {{0, 0, ""}, {9, 9, "end"}}}};
  CHECK(round_trip(nested) == nested);
}

TEST_CASE("messages nest inside serialized values") {
  std::vector<picos::Message> parts;
  parts.emplace_back(std::int32_t{5});
  parts.emplace_back(std::string("five"));
  parts.emplace_back();
  auto back = round_trip(parts);
  REQUIRE(back.size() == 3);
  CHECK(back[0].get<std::int32_t>() == 5);
  CHECK(back[1].get<std::string>() == "five");
  CHECK(back[2].empty());
}

TEST_CASE("serializing an unregistered type fails with an error naming the type") {
  CHECK_FALSE(picos::is_serializable(typeid(NotRegistered)));
  CHECK(picos::is_serializable(typeid(std::string)));
  CHECK_THROWS_WITH_AS(picos::serialize(picos::Message(NotRegistered{})),
                       doctest::Contains("NotRegistered"), picos::SerializationError);
  CHECK_THROWS_AS(picos::message_type_name<std::vector<NotRegistered>>(), picos::SerializationError);
}

TEST_CASE("conflicting registrations are refused with a logic error") {
  CHECK(picos::register_message_type<Point>("test.point"));  // the same pair again is fine
  CHECK_THROWS_AS(picos::register_message_type<Point>("test.other_point"), std::logic_error);
  CHECK_THROWS_WITH_AS(picos::register_message_type<Other>("test.point"),
                       doctest::Contains("already taken"), std::logic_error);
  CHECK_THROWS_AS(picos::register_message_type<Other>(""), std::logic_error);
}

TEST_CASE("the encoding is little-endian portable binary with the type name first") {
  const picos::Bytes bytes = picos::serialize(picos::Message(std::int32_t{0x01020304}));
  // flag (1 = little-endian), u64 name length 3, "i32", then the value's bytes low first
  REQUIRE(bytes.size() == 1 + 8 + 3 + 4);
  CHECK(bytes[0] == std::byte{1});
  CHECK(bytes[1] == std::byte{3});
  CHECK(static_cast<char>(bytes[9]) == 'i');
  CHECK(bytes[12] == std::byte{4});
  CHECK(bytes[15] == std::byte{1});
}

namespace {
// What cereal's portable archive writes for a message of T: the reference the direct encoding of
// numbers and strings must equal.
template <class T>
picos::Bytes cereal_encoding(const std::string& name, const T& value) {
  std::ostringstream out;
  {
    cereal::PortableBinaryOutputArchive archive(out, cereal::PortableBinaryOutputArchive::Options::LittleEndian());
    archive(name, value);
  }
  const std::string text = out.str();
  const auto* first = reinterpret_cast<const std::byte*>(text.data());
  return picos::Bytes(first, first + text.size());
}

template <class T>
void check_same_as_cereal(const std::string& name, const T& value) {
  CAPTURE(name);
  const picos::Bytes bytes = picos::serialize(picos::Message(value));
  CHECK(bytes == cereal_encoding(name, value));
  CHECK(picos::deserialize(bytes).get<T>() == value);
}
}  // namespace

TEST_CASE("numbers and strings encoded without cereal are byte for byte what cereal writes, and decode back") {
  check_same_as_cereal("bool", true);
  check_same_as_cereal("char", 'z');
  check_same_as_cereal("i8", std::int8_t{-5});
  check_same_as_cereal("i16", std::int16_t{-300});
  check_same_as_cereal("i32", std::int32_t{-70000});
  check_same_as_cereal("i64", std::numeric_limits<std::int64_t>::min());
  check_same_as_cereal("u8", std::uint8_t{250});
  check_same_as_cereal("u16", std::uint16_t{65000});
  check_same_as_cereal("u32", std::uint32_t{4000000000U});
  check_same_as_cereal("u64", std::numeric_limits<std::uint64_t>::max());
  check_same_as_cereal("f32", 1.5F);
  check_same_as_cereal("f64", -2.25);
  check_same_as_cereal("string", std::string());
  check_same_as_cereal("string", std::string("0123456789abcdef"));
  check_same_as_cereal("string", std::string(100000, 'x'));
}

TEST_CASE("a number or string written big-endian by another host decodes like the little-endian form") {
  std::ostringstream out;
  {
    cereal::PortableBinaryOutputArchive archive(out, cereal::PortableBinaryOutputArchive::Options::BigEndian());
    archive(std::string("u32"), std::uint32_t{0x01020304});
  }
  const std::string text = out.str();
  const auto* first = reinterpret_cast<const std::byte*>(text.data());
  CHECK(picos::deserialize(picos::Bytes(first, first + text.size())).get<std::uint32_t>() == 0x01020304U);

  picos::Bytes bad_bool = picos::serialize(picos::Message(true));
  bad_bool.back() = std::byte{2};
  CHECK_THROWS_WITH_AS(picos::deserialize(bad_bool), doctest::Contains("bad bool"), picos::SerializationError);
  picos::Bytes short_string = picos::serialize(picos::Message(std::string("abc")));
  short_string.pop_back();
  CHECK_THROWS_WITH_AS(picos::deserialize(short_string), doctest::Contains("ends early"), picos::SerializationError);
}
