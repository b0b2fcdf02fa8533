// libFuzzer target: the recv_msg/send_msg framing decoder fed arbitrary streams in arbitrary read
// sizes. Input layout: byte 0 picks the maximum message size, byte 1 the largest read, the rest
// is the stream. An independent walk over the same bytes says what the decoder must return.
#include "io/message_framing.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

// The frame the independent walk expects at `at`.
struct Expected {
  enum class Kind { end, message, oversized, truncated } kind;
  std::size_t length = 0;
};

Expected expect_at(std::string_view stream, std::size_t at, std::size_t max_message) {
  if (at == stream.size()) return {Expected::Kind::end};
  if (stream.size() - at < 4) return {Expected::Kind::truncated};
  std::size_t length = 0;
  for (std::size_t i = 0; i < 4; ++i) length = (length << 8) | static_cast<unsigned char>(stream[at + i]);
  if (stream.size() - at - 4 < length) return {Expected::Kind::truncated, length};
  return {length > max_message ? Expected::Kind::oversized : Expected::Kind::message, length};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t max_message = std::size_t{data[0]} * 64;  // 0 .. 16320 bytes
  const std::size_t chunk = std::size_t{data[1]} % 17 + 1;    // reads of 1 .. 17 bytes
  const std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);

  std::size_t position = 0;
  const picos::detail::ReadSome read = [&](char* into, std::size_t most) {
    const std::size_t n = std::min({most, chunk, stream.size() - position});
    std::memcpy(into, stream.data() + position, n);
    position += n;
    return n;
  };

  while (true) {
    const std::size_t start = position;
    const Expected expected = expect_at(stream, start, max_message);
    try {
      const auto message = picos::detail::read_framed_message(read, max_message);
      if (!message) {
        require(expected.kind == Expected::Kind::end);
        return 0;
      }
      require(expected.kind == Expected::Kind::message);
      require(*message == stream.substr(start + 4, expected.length));
      require(picos::detail::frame_message(*message, max_message) == stream.substr(start, 4 + expected.length));
    } catch (const std::system_error& error) {
      if (error.code() == std::errc::message_size) {
        require(expected.kind == Expected::Kind::oversized);
        require(position == start + 4 + expected.length);  // the stream stays in step
        continue;
      }
      require(error.code() == std::errc::connection_aborted);
      require(expected.kind == Expected::Kind::truncated);
      return 0;
    }
  }
}
