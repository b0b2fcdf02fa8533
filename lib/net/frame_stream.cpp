#include "net/frame_stream.hpp"

#include "io/os_socket.hpp"

#include <cstring>
#include <string_view>

namespace picos::net {
namespace {
constexpr std::size_t read_chunk = 256 * 1024;
}

std::optional<Frame> FrameStream::read(Timeout idle_timeout) {
  const std::optional<FrameView> view = read_view(idle_timeout);
  if (!view) return std::nullopt;
  return Frame{view->kind, Bytes(view->payload.begin(), view->payload.end())};
}

std::optional<FrameView> FrameStream::read_view(Timeout idle_timeout, const std::function<void()>& before_waiting) {
  for (;;) {
    const std::span<const std::byte> pending(buffer_.data() + start_, end_ - start_);
    const auto decoded = decode_frame_view(pending, max_payload_);
    if (const auto* frame = std::get_if<DecodedFrameView>(&decoded)) {
      // The bytes stay where they are until the next call, which moves or overwrites them only
      // after the caller is done with this view.
      start_ += frame->consumed;
      return frame->frame;
    }
    const FrameError error = std::get<FrameError>(decoded);
    if (error != FrameError::incomplete) throw ProtocolError(to_string(error));
    // The unread tail (part of one frame) moves to the front and the buffer grows only when less
    // than a read chunk is free behind it, so it stays bounded by one maximum frame plus one
    // chunk, and a full buffer is read per call without clearing memory each time.
    if (start_ != 0) {
      std::memmove(buffer_.data(), buffer_.data() + start_, end_ - start_);
      end_ -= start_;
      start_ = 0;
    }
    if (buffer_.size() - end_ < read_chunk) buffer_.resize(end_ + read_chunk);
    if (before_waiting) before_waiting();
    const std::size_t got = stream_.recv_into(
        std::span<char>(reinterpret_cast<char*>(buffer_.data() + end_), buffer_.size() - end_), idle_timeout);
    end_ += got;
    if (got == 0) {
      if (end_ == 0) return std::nullopt;
      throw ProtocolError("connection closed inside a frame");
    }
  }
}

void FrameStream::write(std::span<const std::byte> frames, Timeout timeout) {
  stream_.sendall(std::string_view(reinterpret_cast<const char*>(frames.data()), frames.size()), timeout);
}

void FrameStream::write_progressing(std::span<const std::byte> frames, Timeout idle_timeout) {
  std::string_view left(reinterpret_cast<const char*>(frames.data()), frames.size());
  while (!left.empty()) {
    left.remove_prefix(stream_.send(left, idle_timeout));
  }
}

// A plain non-blocking send: it bypasses the poller, so it may come from any thread, and
// the caller's turn to write (see the header) keeps it from interleaving with a poller write.
// Errors are left for the next ordinary write to report with the link's usual handling.
std::size_t FrameStream::write_available(std::span<const std::byte> frames) noexcept {
  const int fd = stream_.native_handle();
  if (fd < 0 || stream_.is_tls()) return 0;
  return detail::send_without_waiting(fd, frames.data(), frames.size());
}

}  // namespace picos::net
