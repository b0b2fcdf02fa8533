#include <picos/serialization.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

picos::Bytes bytes_of(std::initializer_list<int> values) {
  picos::Bytes out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

void append_u64(picos::Bytes& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::byte>((value >> (8 * i)) & 0xff));
}

void append_name(picos::Bytes& out, const std::string& name) {
  append_u64(out, name.size());
  for (char c : name) out.push_back(static_cast<std::byte>(c));
}

}  // namespace

TEST_CASE("empty input and a bad byte-order flag are rejected") {
  CHECK_THROWS_AS(picos::deserialize(picos::Bytes{}), picos::SerializationError);
  CHECK_THROWS_AS(picos::deserialize(bytes_of({7, 0, 0, 0, 0, 0, 0, 0, 0})), picos::SerializationError);
}

TEST_CASE("an unknown type name is rejected with the name in the error") {
  picos::Bytes input = bytes_of({1});
  append_name(input, "no.such.type");
  CHECK_THROWS_WITH_AS(picos::deserialize(input), doctest::Contains("no.such.type"), picos::SerializationError);
}

TEST_CASE("a huge string or container size is rejected before allocating") {
  picos::Bytes huge_name = bytes_of({1});
  append_u64(huge_name, std::uint64_t{1} << 60);
  CHECK_THROWS_WITH_AS(picos::deserialize(huge_name), doctest::Contains("bytes are left"), picos::SerializationError);

  picos::Bytes huge_vector = bytes_of({1});
  append_name(huge_vector, "vector<string>");
  append_u64(huge_vector, 0xffffffffffffULL);
  CHECK_THROWS_AS(picos::deserialize(huge_vector), picos::SerializationError);
}

TEST_CASE("truncated input and trailing bytes are rejected") {
  const picos::Bytes good = picos::serialize(picos::Message(std::string("hello")));
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    picos::Bytes shorter(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
    CHECK_THROWS_AS(picos::deserialize(shorter), picos::SerializationError);
  }
  picos::Bytes longer = good;
  longer.push_back(std::byte{0});
  CHECK_THROWS_WITH_AS(picos::deserialize(longer), doctest::Contains("unexpected bytes"), picos::SerializationError);
}

TEST_CASE("a bool byte other than 0 or 1 is rejected") {
  picos::Bytes input = bytes_of({1});
  append_name(input, "bool");
  input.push_back(std::byte{2});
  CHECK_THROWS_AS(picos::deserialize(input), picos::SerializationError);
}

TEST_CASE("deeply nested messages are rejected instead of exhausting the stack") {
  picos::Bytes input = bytes_of({1});
  for (int i = 0; i < 1000; ++i) {
    append_name(input, "vector<message>");
    append_u64(input, 1);
  }
  append_name(input, "");
  CHECK_THROWS_WITH_AS(picos::deserialize(input), doctest::Contains("nested too deeply"), picos::SerializationError);
}

TEST_CASE("random garbage and random corruptions never crash the decoder") {
  std::mt19937 random(12345);
  std::vector<picos::Bytes> seeds;
  seeds.push_back(picos::serialize(picos::Message(std::vector<std::string>{"alpha", "beta", "gamma"})));
  seeds.push_back(picos::serialize(picos::Message(std::map<std::string, double>{{"pi", 3.14}})));
  seeds.push_back(picos::serialize(picos::Message(std::optional<std::int64_t>(99))));
  int decoded = 0;
  int rejected = 0;
  for (int round = 0; round < 20000; ++round) {
    picos::Bytes input;
    if (round % 2 == 0) {
      input.resize(random() % 64);
      for (auto& b : input) b = static_cast<std::byte>(random() & 0xff);
      if (!input.empty() && round % 4 == 0) input[0] = std::byte{1};
    } else {
      input = seeds[static_cast<std::size_t>(round) % seeds.size()];
      const int flips = 1 + static_cast<int>(random() % 4);
      for (int f = 0; f < flips; ++f) input[random() % input.size()] = static_cast<std::byte>(random() & 0xff);
    }
    try {
      (void)picos::deserialize(input);
      ++decoded;
    } catch (const picos::SerializationError&) {
      ++rejected;
    }
  }
  CHECK(decoded + rejected == 20000);
  CHECK(rejected > 0);
}
