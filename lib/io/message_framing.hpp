#pragma once
// The length-prefixed message format of TcpStream::recv_msg()/send_msg(), as functions over a
// byte source so the decoder can be tested and fuzzed without sockets: a 4-byte big-endian
// payload length, then the payload.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace picos::detail {

// Bytes in front of every message: its length, big-endian.
inline constexpr std::size_t message_header_bytes = 4;

// Reads up to `size` bytes into `data`, waiting for at least one; returns 0 at end of stream.
// Throws what the underlying read throws.
using ReadSome = std::function<std::size_t(char* data, std::size_t size)>;

// Fills `data` with `size` bytes from `read` unless the stream ends first; returns the bytes read.
std::size_t read_full(const ReadSome& read, char* data, std::size_t size);

// Throws std::system_error(std::errc::message_size) with "picos: <text>" as its context.
[[noreturn]] void throw_message_size(const std::string& text);

// Reads one message from `read`. std::nullopt when the stream ends before a header starts.
// Throws std::system_error(std::errc::connection_aborted) when it ends inside a header or a
// payload, and std::system_error(std::errc::message_size) after reading and discarding a payload
// longer than `max_message` (so the next call starts at the next header).
std::optional<std::string> read_framed_message(const ReadSome& read, std::size_t max_message);

// The header and payload of `message`. Throws std::system_error(std::errc::message_size) when it
// is longer than `max_message` or than a 32-bit length can state.
std::string frame_message(std::string_view message, std::size_t max_message);

}  // namespace picos::detail
