#include "net/send_frame.hpp"

#include "message/registry.hpp"

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
                       std::size_t max_payload, BatchTypePrefix* last_type) {
  const std::size_t payload_size = 1 + target_size(target) + batch_size_bytes + message.size();
  const std::size_t start = out.size();
  append_frame_header(out, FrameKind::send_batch, payload_size, max_payload);
  out.resize(start + frame_header_size + payload_size);
  std::byte* at = out.data() + start + frame_header_size;
  *at++ = std::byte{1};
  put_target(at, target);
  put_integer(at, message.size(), batch_size_bytes);
  if (!message.empty()) std::memcpy(at, message.data(), message.size());
  if (last_type != nullptr) *last_type = BatchTypePrefix{out.size() - message.size(), detail::type_prefix_size(message)};
}

namespace {
// Fills in the size field at out[size_at] for the bytes after it and the frame's length; or
// removes them and returns false when the payload would exceed `max_payload`.
bool close_batched_message(Bytes& out, std::size_t frame_start, std::size_t size_at, std::size_t max_payload,
                           bool shares_type) noexcept {
  const std::size_t kept = out.size() - size_at - batch_size_bytes;
  const std::size_t payload_size = out.size() - frame_start - frame_header_size;
  if (payload_size > max_payload || payload_size > 0xFFFFFFFFU || kept >= shares_type_bit) {
    out.resize(size_at);
    return false;
  }
  std::byte* at = out.data() + size_at;
  put_integer(at, kept | (shares_type ? shares_type_bit : 0U), batch_size_bytes);
  put_frame_length(out, frame_start, payload_size);
  return true;
}
}  // namespace

bool extend_send_batch(Bytes& out, std::size_t frame_start, std::span<const std::byte> message,
                       std::size_t max_payload) {
  // Checked first too, so a message that does not fit is not copied.
  const std::size_t payload_size = out.size() - frame_start - frame_header_size + batch_size_bytes + message.size();
  if (payload_size > max_payload) return false;
  const std::size_t size_at = begin_batched_message(out);
  out.insert(out.end(), message.begin(), message.end());
  return close_batched_message(out, frame_start, size_at, max_payload, false);  // sent whole
}

std::size_t begin_batched_message(Bytes& out) {
  const std::size_t size_at = out.size();
  out.resize(size_at + batch_size_bytes);
  return size_at;
}

// A stream of messages of one type repeats the same type prefix (16 of the 39 bytes of a
// 16-byte string): left out, the wire, both sides' copies and the receiver's type lookups shrink.
bool end_batched_message(Bytes& out, std::size_t frame_start, std::size_t size_at, std::size_t max_payload,
                         BatchTypePrefix& last_type) noexcept {
  const std::size_t message_at = size_at + batch_size_bytes;
  const std::span<const std::byte> message(out.data() + message_at, out.size() - message_at);
  const std::size_t type_size = detail::type_prefix_size(message);
  const bool shares_type = type_size != 0 && type_size == last_type.size &&
                           std::memcmp(out.data() + last_type.at, message.data(), type_size) == 0;
  if (shares_type) {
    std::memmove(out.data() + message_at, out.data() + message_at + type_size, message.size() - type_size);
    out.resize(out.size() - type_size);
  }
  if (!close_batched_message(out, frame_start, size_at, max_payload, shares_type)) return false;
  if (!shares_type) last_type = BatchTypePrefix{message_at, type_size};
  return true;
}

bool end_batched_value(Bytes& out, std::size_t frame_start, std::size_t size_at, std::size_t max_payload) noexcept {
  return close_batched_message(out, frame_start, size_at, max_payload, true);
}

SendBatchView decode_send_batch(std::span<const std::byte> payload) {
  PayloadReader reader(payload);
  SendBatchView view;
  view.target = read_target(reader);
  view.little_endian = reader.little_endian();
  if (reader.at_end()) throw SerializationError("picos: malformed send_batch payload: no message");
  view.messages = payload.subspan(reader.position());
  // Every size is checked before any message is used, so a malformed frame delivers nothing.
  bool typed = false;  // a message sent whole with a type prefix came before
  while (!reader.at_end()) {
    const std::uint64_t field = reader.integer(batch_size_bytes);
    const std::span<const std::byte> message = reader.take(static_cast<std::size_t>(field & ~std::uint64_t{shares_type_bit}));
    if ((field & shares_type_bit) == 0) {
      typed = detail::type_prefix_size(message) != 0;
    } else if (!typed) {
      throw SerializationError("picos: malformed send_batch payload: a message shares the type of none before it");
    }
    ++view.count;
  }
  return view;
}

BatchedMessages::Part BatchedMessages::next_part() noexcept {
  std::uint32_t field = 0;
  for (std::size_t i = 0; i < batch_size_bytes; ++i) {
    const std::size_t shift = 8 * (little_ ? i : batch_size_bytes - 1 - i);
    field |= std::to_integer<std::uint32_t>(rest_[i]) << shift;
  }
  const std::span<const std::byte> bytes = rest_.subspan(batch_size_bytes, field & ~shares_type_bit);
  rest_ = rest_.subspan(batch_size_bytes + bytes.size());
  const bool shares_type = (field & shares_type_bit) != 0;
  if (!shares_type) type_ = bytes.first(detail::type_prefix_size(bytes));
  return Part{type_, bytes, shares_type};
}

std::span<const std::byte> BatchedMessages::whole(const Part& part) {
  if (!part.shares_type) return part.bytes;
  rebuilt_.assign(part.type.begin(), part.type.end());
  rebuilt_.insert(rebuilt_.end(), part.bytes.begin(), part.bytes.end());
  return rebuilt_;
}

}  // namespace picos::net
