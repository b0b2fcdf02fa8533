#pragma once
// Frames over a TCP stream: a bounded reader (one task reads) and whole-buffer writes.

#include "net/frame.hpp"

#include <picos/socket.hpp>

#include <functional>
#include <optional>
#include <stdexcept>

namespace picos::net {

// The peer broke the protocol (bad frame, stream cut inside a frame, malformed payload).
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class FrameStream {
 public:
  FrameStream(TcpStream stream, std::size_t max_payload) : stream_(std::move(stream)), max_payload_(max_payload) {}

  // [B] The next frame; std::nullopt when the stream ends between frames. Throws ProtocolError
  // for a bad frame or a stream ending inside one, std::system_error for I/O errors and when no
  // byte arrives within `idle_timeout`.
  std::optional<Frame> read(Timeout idle_timeout);
  // [B] read() without copying the payload: the view points into this stream's buffer and is
  // valid until the next call of read(), read_view() or close(). `before_waiting`, when given,
  // runs each time the buffer holds no whole frame and the socket is about to be read. Throws as
  // read(), and what `before_waiting` throws.
  std::optional<FrameView> read_view(Timeout idle_timeout, const std::function<void()>& before_waiting = {});
  // [B] Writes already-encoded frames; throws std::system_error (timed_out) when they are not all
  // sent within `timeout`.
  void write(std::span<const std::byte> frames, Timeout timeout);
  // [B] Writes already-encoded frames however long it takes while bytes keep going out: throws
  // std::system_error (timed_out) only when no byte could be sent for `idle_timeout` (the peer's
  // kernel stopped taking them).
  void write_progressing(std::span<const std::byte> frames, Timeout idle_timeout);
  // Writes as much of `frames` as the socket takes at once, from any thread, and returns how many
  // bytes that was (0 on any error, which the next write() then reports, and always with TLS).
  // Never blocks or throws. The caller must hold the only turn to write: no write() or
  // write_progressing() may run meanwhile, and close() must not race with it.
  std::size_t write_available(std::span<const std::byte> frames) noexcept;
  // Closes the socket, waking a task blocked in read() or write(). Never throws.
  void close() noexcept { stream_.close(); }
  [[nodiscard]] bool is_open() const noexcept { return stream_.is_open(); }
  [[nodiscard]] std::size_t max_payload() const noexcept { return max_payload_; }
  // The socket's descriptor (-1 once closed).
  [[nodiscard]] int native_handle() const noexcept { return stream_.native_handle(); }
  // Changes the largest payload accepted (small during the handshake, the node's limit after).
  void set_max_payload(std::size_t bytes) noexcept { max_payload_ = bytes; }

 private:
  TcpStream stream_;
  std::size_t max_payload_;
  Bytes buffer_;
  std::size_t start_ = 0;  // first unread byte
  std::size_t end_ = 0;    // end of the bytes received
};

}  // namespace picos::net
