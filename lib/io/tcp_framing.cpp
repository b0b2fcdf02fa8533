// picos::TcpStream: whole-buffer reads, lines and length-prefixed messages.
#include "core/scheduler_core.hpp"
#include "poller/io_errors.hpp"

#include <picos/socket.hpp>

#include <cerrno>
#include <system_error>

namespace picos {
namespace {

[[noreturn]] void throw_size(const std::string& text) {
  throw std::system_error(std::make_error_code(std::errc::message_size), "picos: " + text);
}

}  // namespace

std::size_t TcpStream::read_full(char* data, std::size_t size, std::int64_t limit) {
  std::size_t got = 0;
  while (got < size) {
    const std::size_t n = read_some(data + got, size - got, limit);
    if (n == 0) break;
    got += n;
  }
  return got;
}

std::string TcpStream::recvall(std::size_t bytes, CallTimeout timeout) {
  std::string data(bytes, '\0');
  data.resize(read_full(data.data(), bytes, deadline(timeout)));
  return data;
}

std::string TcpStream::recv_line(std::size_t max_bytes, CallTimeout timeout) {
  const std::int64_t limit = deadline(timeout);
  std::size_t scanned = 0;
  while (true) {
    const std::size_t end = buffered_.find('\n', scanned);
    if (end != std::string::npos) {
      if (end + 1 > max_bytes) throw_size("recv_line: line longer than " + std::to_string(max_bytes) + " bytes");
      std::string line = buffered_.substr(0, end + 1);
      buffered_.erase(0, end + 1);
      return line;
    }
    scanned = buffered_.size();
    if (scanned > max_bytes) throw_size("recv_line: line longer than " + std::to_string(max_bytes) + " bytes");
    if (fill(limit) == 0) return std::exchange(buffered_, std::string());
  }
}

std::optional<std::string> TcpStream::recv_msg(CallTimeout timeout) {
  const std::int64_t limit = deadline(timeout);
  unsigned char header[4];
  std::size_t got = 0;
  while (got < 4) {
    const std::size_t n = read_some(reinterpret_cast<char*>(header) + got, 4 - got, limit);
    if (n == 0) {
      if (got == 0) return std::nullopt;
      detail::throw_errno(ECONNABORTED, "recv_msg: the stream ended inside a message header");
    }
    got += n;
  }
  const std::size_t length = (std::size_t{header[0]} << 24) | (std::size_t{header[1]} << 16) |
                             (std::size_t{header[2]} << 8) | std::size_t{header[3]};
  if (length > max_message_) {
    char sink[4096];
    std::size_t left = length;
    while (left > 0) {
      const std::size_t n = read_some(sink, std::min(left, sizeof sink), limit);
      if (n == 0) detail::throw_errno(ECONNABORTED, "recv_msg: the stream ended inside a message");
      left -= n;
    }
    throw_size("recv_msg: a message of " + std::to_string(length) + " bytes exceeds the maximum of " +
               std::to_string(max_message_) + " (discarded)");
  }
  std::string message(length, '\0');
  if (read_full(message.data(), length, limit) < length) detail::throw_errno(ECONNABORTED, "recv_msg: the stream ended inside a message");
  return message;
}

void TcpStream::send_msg(std::string_view message, CallTimeout timeout) {
  if (message.size() > max_message_ || message.size() > 0xffffffffu) {
    throw_size("send_msg: a message of " + std::to_string(message.size()) + " bytes exceeds the maximum of " +
               std::to_string(max_message_));
  }
  const auto length = static_cast<std::uint32_t>(message.size());
  std::string frame;
  frame.reserve(4 + message.size());
  frame.push_back(static_cast<char>(length >> 24));
  frame.push_back(static_cast<char>(length >> 16));
  frame.push_back(static_cast<char>(length >> 8));
  frame.push_back(static_cast<char>(length));
  frame.append(message);
  raw_write_all(frame.data(), frame.size(), deadline(timeout));
}

}  // namespace picos
