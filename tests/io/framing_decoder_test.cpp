// The recv_msg/send_msg framing as functions over an in-memory byte source (no sockets).
#include "io/message_framing.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <system_error>

namespace {

// Hands out `stream` at most `chunk` bytes per read, then end of stream.
struct ChunkedSource {
  std::string stream;
  std::size_t chunk = 1;
  std::size_t position = 0;

  picos::detail::ReadSome reader() {
    return [this](char* data, std::size_t size) {
      const std::size_t n = std::min({size, chunk, stream.size() - position});
      std::memcpy(data, stream.data() + position, n);
      position += n;
      return n;
    };
  }
};

std::errc error_of(ChunkedSource& source, std::size_t max_message) {
  try {
    (void)picos::detail::read_framed_message(source.reader(), max_message);
  } catch (const std::system_error& error) {
    return static_cast<std::errc>(error.code().value());
  }
  return std::errc{};
}

}  // namespace

TEST_CASE("framed messages read back whole whatever the read sizes") {
  const std::string stream = picos::detail::frame_message("one", 100) + picos::detail::frame_message("", 100) +
                             picos::detail::frame_message(std::string(300, 'x'), 1000);
  for (std::size_t chunk : {1u, 3u, 4u, 5u, 4096u}) {
    ChunkedSource source{stream, chunk};
    CHECK(picos::detail::read_framed_message(source.reader(), 1000) == "one");
    CHECK(picos::detail::read_framed_message(source.reader(), 1000) == "");
    CHECK(picos::detail::read_framed_message(source.reader(), 1000) == std::string(300, 'x'));
    CHECK_FALSE(picos::detail::read_framed_message(source.reader(), 1000).has_value());
  }
}

TEST_CASE("the header is a 4-byte big-endian length") {
  const std::string frame = picos::detail::frame_message(std::string(0x010203, 'a'), 1u << 24);
  REQUIRE(frame.size() == 4 + 0x010203);
  CHECK(frame.substr(0, 4) == std::string("\x00\x01\x02\x03", 4));
}

TEST_CASE("an oversized frame is skipped exactly and the next one is read") {
  ChunkedSource source{picos::detail::frame_message(std::string(5000, 'b'), 10000) +
                           picos::detail::frame_message("next", 10),
                       700};
  CHECK(error_of(source, 10) == std::errc::message_size);
  CHECK(source.position == 5004);
  CHECK(picos::detail::read_framed_message(source.reader(), 10) == "next");
}

TEST_CASE("a stream ending inside a header or a payload is connection_aborted") {
  ChunkedSource in_header{std::string("\x00\x00", 2), 1};
  CHECK(error_of(in_header, 100) == std::errc::connection_aborted);
  ChunkedSource in_payload{std::string("\x00\x00\x00\x05" "abc", 7), 2};
  CHECK(error_of(in_payload, 100) == std::errc::connection_aborted);
  ChunkedSource in_skipped{std::string("\x00\x00\x01\x00" "abc", 7), 2};
  CHECK(error_of(in_skipped, 10) == std::errc::connection_aborted);
}

TEST_CASE("frame_message refuses a payload over the maximum") {
  CHECK_THROWS_AS((void)picos::detail::frame_message("12345", 4), std::system_error);
  CHECK(picos::detail::frame_message("1234", 4).size() == 8);
}
