#include "net/send_frame.hpp"

#include <cstring>
#include <string_view>

namespace picos::net {
namespace {

// cereal's portable binary layout, little-endian: the byte-order flag (1), then every integer in
// little-endian order, strings and byte vectors as a u64 count followed by their bytes.
constexpr std::size_t count_bytes = 8;

void put_integer(std::byte*& at, std::uint64_t value, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) *at++ = static_cast<std::byte>((value >> (8 * i)) & 0xFFU);
}

void put_bytes(std::byte*& at, const void* data, std::size_t size) {
  put_integer(at, size, count_bytes);
  if (size != 0) std::memcpy(at, data, size);
  at += size;
}

}  // namespace

void append_send_frame(Bytes& out, std::uint64_t request_id, const RemoteTask& target,
                       std::span<const std::byte> message, std::size_t max_payload) {
  const std::size_t payload_size = 1 + sizeof request_id + count_bytes + target.name.size() + sizeof target.id +
                                   sizeof target.rid + count_bytes + target.origin.host.size() +
                                   sizeof target.origin.port + count_bytes + message.size();
  const std::size_t start = out.size();
  append_frame_header(out, FrameKind::send, payload_size, max_payload);
  out.resize(start + frame_header_size + payload_size);
  std::byte* at = out.data() + start + frame_header_size;
  *at++ = std::byte{1};
  put_integer(at, request_id, sizeof request_id);
  put_bytes(at, target.name.data(), target.name.size());
  put_integer(at, target.id, sizeof target.id);
  put_integer(at, target.rid, sizeof target.rid);
  put_bytes(at, target.origin.host.data(), target.origin.host.size());
  put_integer(at, target.origin.port, sizeof target.origin.port);
  put_bytes(at, message.data(), message.size());
}

}  // namespace picos::net
