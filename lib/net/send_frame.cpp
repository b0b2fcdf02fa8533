#include "net/send_frame.hpp"


#include <bit>
#include <cstring>
#include <string>

namespace picos::net {
namespace {

// cereal's portable binary layout, little-endian: the byte-order flag (1), then every integer in
// little-endian order, strings and byte vectors as a u64 count followed by their bytes.
constexpr std::size_t count_bytes = 8;

void put_integer(std::byte*& at, std::uint64_t value, std::size_t size) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(at, &value, size);  // the low `size` bytes, least significant first
    at += size;
  } else {
    for (std::size_t i = 0; i < size; ++i) *at++ = static_cast<std::byte>((value >> (8 * i)) & 0xFFU);
  }
}

void put_bytes(std::byte*& at, const void* data, std::size_t size) {
  put_integer(at, size, count_bytes);
  if (size != 0) std::memcpy(at, data, size);
  at += size;
}

// Reads a portable archive in the byte order its flag announces.
class PayloadReader {
 public:
  explicit PayloadReader(std::span<const std::byte> bytes) : bytes_(bytes) {
    const auto flag = std::to_integer<std::uint8_t>(take(1).front());
    if (flag > 1) throw SerializationError("picos: malformed frame payload: bad byte-order flag");
    little_ = flag == 1;
  }
  std::uint64_t integer(std::size_t size) {
    const auto raw = take(size);
    std::uint64_t value = 0;
    if (std::endian::native == std::endian::little && little_) {
      std::memcpy(&value, raw.data(), size);
      return value;
    }
    for (std::size_t i = 0; i < size; ++i) {
      const std::size_t shift = 8 * (little_ ? i : size - 1 - i);
      value |= std::to_integer<std::uint64_t>(raw[i]) << shift;
    }
    return value;
  }
  std::span<const std::byte> counted() {
    const std::uint64_t count = integer(count_bytes);
    if (count > bytes_.size() - position_) throw SerializationError("picos: malformed frame payload: size beyond the input");
    return take(static_cast<std::size_t>(count));
  }
  std::string text() {
    const auto raw = counted();
    return std::string(reinterpret_cast<const char*>(raw.data()), raw.size());
  }
  void finish() const {
    if (position_ != bytes_.size()) throw SerializationError("picos: trailing bytes after a frame payload");
  }
  [[nodiscard]] bool little_endian() const noexcept { return little_; }
  [[nodiscard]] bool at_end() const noexcept { return position_ == bytes_.size(); }
  [[nodiscard]] std::size_t position() const noexcept { return position_; }
  std::span<const std::byte> take(std::size_t size) {
    if (size > bytes_.size() - position_) throw SerializationError("picos: malformed frame payload: truncated");
    const auto out = bytes_.subspan(position_, size);
    position_ += size;
    return out;
  }

 private:
  std::span<const std::byte> bytes_;
  std::size_t position_ = 0;
  bool little_ = true;
};

RemoteTask read_target(PayloadReader& reader) {
  RemoteTask target;
  target.name = reader.text();
  target.id = reader.integer(sizeof target.id);
  target.rid = reader.integer(sizeof target.rid);
  target.origin.host = reader.text();
  target.origin.port = static_cast<std::uint16_t>(reader.integer(sizeof target.origin.port));
  return target;
}

// Bytes of a target's fields.
std::size_t target_size(const RemoteTask& target) {
  return count_bytes + target.name.size() + sizeof target.id + sizeof target.rid + count_bytes +
         target.origin.host.size() + sizeof target.origin.port;
}

void put_target(std::byte*& at, const RemoteTask& target) {
  put_bytes(at, target.name.data(), target.name.size());
  put_integer(at, target.id, sizeof target.id);
  put_integer(at, target.rid, sizeof target.rid);
  put_bytes(at, target.origin.host.data(), target.origin.host.size());
  put_integer(at, target.origin.port, sizeof target.origin.port);
}

constexpr std::size_t batch_size_bytes = 4;

void put_frame_length(Bytes& out, std::size_t frame_start, std::size_t payload_size) {
  const auto length = static_cast<std::uint32_t>(payload_size);
  for (std::size_t i = 0; i < 4; ++i) {
    out[frame_start + 4 + i] = static_cast<std::byte>((length >> (8 * (3 - i))) & 0xFFU);
  }
}
}  // namespace

SendView decode_send_payload(std::span<const std::byte> payload) {
  PayloadReader reader(payload);
  SendView view;
  view.request_id = reader.integer(sizeof view.request_id);
  view.target = read_target(reader);
  view.message = reader.counted();
  reader.finish();
  return view;
}

void append_send_frame(Bytes& out, std::uint64_t request_id, const RemoteTask& target,
                       std::span<const std::byte> message, std::size_t max_payload) {
  const std::size_t payload_size = 1 + sizeof request_id + target_size(target) + count_bytes + message.size();
  const std::size_t start = out.size();
  append_frame_header(out, FrameKind::send, payload_size, max_payload);
  out.resize(start + frame_header_size + payload_size);
  std::byte* at = out.data() + start + frame_header_size;
  *at++ = std::byte{1};
  put_integer(at, request_id, sizeof request_id);
  put_target(at, target);
  put_bytes(at, message.data(), message.size());
}

void append_send_batch(Bytes& out, const RemoteTask& target, std::span<const std::byte> message,
                       std::size_t max_payload) {
  const std::size_t payload_size = 1 + target_size(target) + batch_size_bytes + message.size();
  const std::size_t start = out.size();
  append_frame_header(out, FrameKind::send_batch, payload_size, max_payload);
  out.resize(start + frame_header_size + payload_size);
  std::byte* at = out.data() + start + frame_header_size;
  *at++ = std::byte{1};
  put_target(at, target);
  put_integer(at, message.size(), batch_size_bytes);
  if (!message.empty()) std::memcpy(at, message.data(), message.size());
}

bool extend_send_batch(Bytes& out, std::size_t frame_start, std::span<const std::byte> message,
                       std::size_t max_payload) {
  // Checked first too, so a message that does not fit is not copied.
  const std::size_t payload_size = out.size() - frame_start - frame_header_size + batch_size_bytes + message.size();
  if (payload_size > max_payload) return false;
  const std::size_t size_at = begin_batched_message(out);
  out.insert(out.end(), message.begin(), message.end());
  return end_batched_message(out, frame_start, size_at, max_payload);
}

std::size_t begin_batched_message(Bytes& out) {
  const std::size_t size_at = out.size();
  out.resize(size_at + batch_size_bytes);
  return size_at;
}

bool end_batched_message(Bytes& out, std::size_t frame_start, std::size_t size_at, std::size_t max_payload) noexcept {
  const std::size_t payload_size = out.size() - frame_start - frame_header_size;
  if (payload_size > max_payload || payload_size > 0xFFFFFFFFU) {
    out.resize(size_at);
    return false;
  }
  std::byte* at = out.data() + size_at;
  put_integer(at, out.size() - size_at - batch_size_bytes, batch_size_bytes);
  put_frame_length(out, frame_start, payload_size);
  return true;
}

SendBatchView decode_send_batch(std::span<const std::byte> payload) {
  PayloadReader reader(payload);
  SendBatchView view;
  view.target = read_target(reader);
  view.little_endian = reader.little_endian();
  if (reader.at_end()) throw SerializationError("picos: malformed send_batch payload: no message");
  view.messages = payload.subspan(reader.position());
  // Every size is checked before any message is used, so a malformed frame delivers nothing.
  while (!reader.at_end()) {
    (void)reader.take(static_cast<std::size_t>(reader.integer(batch_size_bytes)));
    ++view.count;
  }
  return view;
}

std::span<const std::byte> take_batched_message(std::span<const std::byte>& messages, bool little_endian) noexcept {
  std::uint32_t size = 0;
  for (std::size_t i = 0; i < batch_size_bytes; ++i) {
    const std::size_t shift = 8 * (little_endian ? i : batch_size_bytes - 1 - i);
    size |= std::to_integer<std::uint32_t>(messages[i]) << shift;
  }
  const std::span<const std::byte> message = messages.subspan(batch_size_bytes, size);
  messages = messages.subspan(batch_size_bytes + size);
  return message;
}

}  // namespace picos::net
