#include "net/frame_stream.hpp"

#include <string_view>

namespace picos::net {
namespace {
constexpr std::size_t read_chunk = 64 * 1024;
}

std::optional<Frame> FrameStream::read(Timeout idle_timeout) {
  for (;;) {
    const std::span<const std::byte> pending(buffer_.data() + start_, buffer_.size() - start_);
    auto decoded = decode_frame(pending, max_payload_);
    if (auto* frame = std::get_if<DecodedFrame>(&decoded)) {
      start_ += frame->consumed;
      if (start_ == buffer_.size()) {
        buffer_.clear();
        start_ = 0;
      }
      return std::move(frame->frame);
    }
    const FrameError error = std::get<FrameError>(decoded);
    if (error != FrameError::incomplete) throw ProtocolError(to_string(error));
    // Shift the unread tail to the front before growing, so the buffer stays bounded by one
    // maximum frame plus one read chunk.
    if (start_ != 0) {
      buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
      start_ = 0;
    }
    const std::size_t old_size = buffer_.size();
    buffer_.resize(old_size + read_chunk);
    std::size_t got = 0;
    try {
      got = stream_.recv_into(std::span<char>(reinterpret_cast<char*>(buffer_.data() + old_size), read_chunk),
                              idle_timeout);
    } catch (...) {
      buffer_.resize(old_size);
      throw;
    }
    buffer_.resize(old_size + got);
    if (got == 0) {
      if (buffer_.empty()) return std::nullopt;
      throw ProtocolError("connection closed inside a frame");
    }
  }
}

void FrameStream::write(std::span<const std::byte> frames, Timeout timeout) {
  stream_.sendall(std::string_view(reinterpret_cast<const char*>(frames.data()), frames.size()), timeout);
}

}  // namespace picos::net
