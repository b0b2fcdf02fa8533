// picos::TcpStream: whole-buffer reads, lines and length-prefixed messages.
#include "core/scheduler_core.hpp"
#include "io/message_framing.hpp"

#include <picos/socket.hpp>

#include <system_error>

namespace picos {

std::size_t TcpStream::read_full(char* data, std::size_t size, std::int64_t limit) {
  return detail::read_full([this, limit](char* into, std::size_t most) { return read_some(into, most, limit); }, data,
                           size);
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
      if (end + 1 > max_bytes) {
        detail::throw_message_size("recv_line: line longer than " + std::to_string(max_bytes) + " bytes");
      }
      std::string line = buffered_.substr(0, end + 1);
      buffered_.erase(0, end + 1);
      return line;
    }
    scanned = buffered_.size();
    if (scanned > max_bytes) {
      detail::throw_message_size("recv_line: line longer than " + std::to_string(max_bytes) + " bytes");
    }
    if (fill(limit) == 0) return std::exchange(buffered_, std::string());
  }
}

std::optional<std::string> TcpStream::recv_msg(CallTimeout timeout) {
  const std::int64_t limit = deadline(timeout);
  return detail::read_framed_message([this, limit](char* into, std::size_t most) { return read_some(into, most, limit); },
                                     max_message_);
}

void TcpStream::send_msg(std::string_view message, CallTimeout timeout) {
  const std::string frame = detail::frame_message(message, max_message_);
  raw_write_all(frame.data(), frame.size(), deadline(timeout));
}

}  // namespace picos
