#include "net/send_frame.hpp"

#include "message/registry.hpp"

#include <bit>
#include <cstring>
#include <string>
#include <string_view>

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

 private:
  std::span<const std::byte> take(std::size_t size) {
    if (size > bytes_.size() - position_) throw SerializationError("picos: malformed frame payload: truncated");
    const auto out = bytes_.subspan(position_, size);
    position_ += size;
    return out;
  }
  std::span<const std::byte> bytes_;
  std::size_t position_ = 0;
  bool little_ = true;
};

}  // namespace

SendView decode_send_payload(std::span<const std::byte> payload) {
  PayloadReader reader(payload);
  SendView view;
  view.request_id = reader.integer(sizeof view.request_id);
  view.target.name = reader.text();
  view.target.id = reader.integer(sizeof view.target.id);
  view.target.rid = reader.integer(sizeof view.target.rid);
  view.target.origin.host = reader.text();
  view.target.origin.port = static_cast<std::uint16_t>(reader.integer(sizeof view.target.origin.port));
  view.message = reader.counted();
  reader.finish();
  return view;
}

namespace {
// Bytes of a send payload before its message's count.
std::size_t fields_size(const RemoteTask& target) {
  return 1 + sizeof(std::uint64_t) + count_bytes + target.name.size() + sizeof target.id + sizeof target.rid +
         count_bytes + target.origin.host.size() + sizeof target.origin.port;
}

void put_fields(std::byte*& at, std::uint64_t request_id, const RemoteTask& target) {
  *at++ = std::byte{1};
  put_integer(at, request_id, sizeof request_id);
  put_bytes(at, target.name.data(), target.name.size());
  put_integer(at, target.id, sizeof target.id);
  put_integer(at, target.rid, sizeof target.rid);
  put_bytes(at, target.origin.host.data(), target.origin.host.size());
  put_integer(at, target.origin.port, sizeof target.origin.port);
}
}  // namespace

void append_send_frame(Bytes& out, std::uint64_t request_id, const RemoteTask& target,
                       std::span<const std::byte> message, std::size_t max_payload) {
  const std::size_t payload_size = fields_size(target) + count_bytes + message.size();
  const std::size_t start = out.size();
  append_frame_header(out, FrameKind::send, payload_size, max_payload);
  out.resize(start + frame_header_size + payload_size);
  std::byte* at = out.data() + start + frame_header_size;
  put_fields(at, request_id, target);
  put_bytes(at, message.data(), message.size());
}

void append_send_frame_of(Bytes& out, std::uint64_t request_id, const RemoteTask& target, const Message& message,
                          std::size_t max_payload) {
  // The message is encoded in place, behind room left for the frame length and its count, which
  // are written once its size is known: no buffer of its own, no copy.
  const std::size_t start = out.size();
  const std::size_t head_size = fields_size(target) + count_bytes;
  try {
    append_frame_header(out, FrameKind::send, 0, max_payload);
    out.resize(start + frame_header_size + head_size);
    std::byte* at = out.data() + start + frame_header_size;
    put_fields(at, request_id, target);
    detail::serialize_append(out, message);
    const std::size_t message_size = out.size() - (start + frame_header_size + head_size);
    check_payload_size(head_size + message_size, max_payload);
    at = out.data() + start + frame_header_size + head_size - count_bytes;
    put_integer(at, message_size, count_bytes);
    const auto payload_size = static_cast<std::uint32_t>(head_size + message_size);
    for (std::size_t i = 0; i < 4; ++i) {
      out[start + 4 + i] = static_cast<std::byte>((payload_size >> (8 * (3 - i))) & 0xFFU);
    }
  } catch (...) {
    out.resize(start);
    throw;
  }
}

}  // namespace picos::net
