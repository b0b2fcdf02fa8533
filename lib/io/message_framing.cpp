// Length-prefixed message framing (see message_framing.hpp).
#include "io/message_framing.hpp"

#include "poller/io_errors.hpp"

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace picos::detail {

void throw_message_size(const std::string& text) {
  throw std::system_error(std::make_error_code(std::errc::message_size), "picos: " + text);
}

std::size_t read_full(const ReadSome& read, char* data, std::size_t size) {
  std::size_t got = 0;
  while (got < size) {
    const std::size_t n = read(data + got, size - got);
    if (n == 0) break;
    got += n;
  }
  return got;
}

std::optional<std::string> read_framed_message(const ReadSome& read, std::size_t max_message) {
  unsigned char header[message_header_bytes];
  const std::size_t got = read_full(read, reinterpret_cast<char*>(header), sizeof header);
  if (got == 0) return std::nullopt;
  if (got < sizeof header) throw_errno(ECONNABORTED, "recv_msg: the stream ended inside a message header");
  const std::size_t length = (std::size_t{header[0]} << 24) | (std::size_t{header[1]} << 16) |
                             (std::size_t{header[2]} << 8) | std::size_t{header[3]};
  if (length > max_message) {
    // Reading the payload away keeps the stream in step for the next message.
    char sink[4096];
    std::size_t left = length;
    while (left > 0) {
      const std::size_t n = read(sink, std::min(left, sizeof sink));
      if (n == 0) throw_errno(ECONNABORTED, "recv_msg: the stream ended inside a message");
      left -= n;
    }
    throw_message_size("recv_msg: a message of " + std::to_string(length) + " bytes exceeds the maximum of " +
               std::to_string(max_message) + " (discarded)");
  }
  std::string message(length, '\0');
  if (read_full(read, message.data(), length) < length) {
    throw_errno(ECONNABORTED, "recv_msg: the stream ended inside a message");
  }
  return message;
}

std::string frame_message(std::string_view message, std::size_t max_message) {
  if (message.size() > max_message || message.size() > 0xffffffffu) {
    throw_message_size("send_msg: a message of " + std::to_string(message.size()) + " bytes exceeds the maximum of " +
               std::to_string(max_message));
  }
  const auto length = static_cast<std::uint32_t>(message.size());
  std::string frame;
  frame.reserve(message_header_bytes + message.size());
  frame.push_back(static_cast<char>(length >> 24));
  frame.push_back(static_cast<char>(length >> 16));
  frame.push_back(static_cast<char>(length >> 8));
  frame.push_back(static_cast<char>(length));
  frame.append(message);
  return frame;
}

}  // namespace picos::detail
