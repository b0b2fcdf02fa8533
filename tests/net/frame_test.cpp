// The frame codec: round trips and every way bytes can fail to be a frame.
#include "message/registry.hpp"
#include "net/frame.hpp"
#include "net/send_frame.hpp"
#include "net/wire.hpp"

#include <algorithm>
#include <bit>
#include <vector>

#include <doctest/doctest.h>

using picos::Bytes;
using namespace picos::net;

namespace {

Bytes bytes_of(std::initializer_list<int> values) {
  Bytes out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

Bytes filled(std::size_t size) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>(i * 7 + 1);
  return out;
}

FrameError error_of(std::span<const std::byte> bytes, std::size_t max = default_max_frame_size) {
  auto result = decode_frame(bytes, max);
  REQUIRE(std::holds_alternative<FrameError>(result));
  return std::get<FrameError>(result);
}

}  // namespace

TEST_CASE("every frame kind survives an encode/decode round trip with payloads of several sizes") {
  for (std::uint8_t kind = 1; kind <= last_frame_kind; ++kind) {
    if (!is_frame_kind(kind)) continue;
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{255}, std::size_t{70000}}) {
      const Bytes payload = filled(size);
      const Bytes encoded = encode_frame(static_cast<FrameKind>(kind), payload);
      CHECK(encoded.size() == frame_header_size + size);
      auto result = decode_frame(encoded);
      REQUIRE(std::holds_alternative<DecodedFrame>(result));
      const auto& decoded = std::get<DecodedFrame>(result);
      CHECK(decoded.consumed == encoded.size());
      CHECK(static_cast<std::uint8_t>(decoded.frame.kind) == kind);
      CHECK(decoded.frame.payload == payload);
    }
  }
}

TEST_CASE("a batch of frames in one buffer decodes one frame at a time, in order") {
  Bytes batch;
  append_frame(batch, FrameKind::ping, filled(3));
  append_frame(batch, FrameKind::send, filled(100));
  append_frame(batch, FrameKind::bye, {});
  std::span<const std::byte> rest(batch);
  const FrameKind expected[] = {FrameKind::ping, FrameKind::send, FrameKind::bye};
  for (FrameKind kind : expected) {
    auto result = decode_frame(rest);
    REQUIRE(std::holds_alternative<DecodedFrame>(result));
    CHECK(std::get<DecodedFrame>(result).frame.kind == kind);
    rest = rest.subspan(std::get<DecodedFrame>(result).consumed);
  }
  CHECK(rest.empty());
}

TEST_CASE("every proper prefix of a frame is reported incomplete, not as an error") {
  const Bytes encoded = encode_frame(FrameKind::send, filled(20));
  for (std::size_t length = 0; length < encoded.size(); ++length) {
    CHECK(error_of(std::span(encoded).first(length)) == FrameError::incomplete);
  }
}

TEST_CASE("a frame with the wrong magic is refused from its first byte") {
  CHECK(error_of(bytes_of({'G'})) == FrameError::bad_magic);
  CHECK(error_of(bytes_of({'P', 'X'})) == FrameError::bad_magic);
  CHECK(error_of(bytes_of({'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'})) == FrameError::bad_magic);
}

TEST_CASE("a frame of another protocol version is refused") {
  Bytes encoded = encode_frame(FrameKind::ping, filled(4));
  encoded[2] = std::byte{protocol_version + 1};
  CHECK(error_of(encoded) == FrameError::bad_version);
  encoded[2] = std::byte{0};
  CHECK(error_of(std::span(encoded).first(3)) == FrameError::bad_version);
}

TEST_CASE("unknown frame kinds are refused") {
  Bytes encoded = encode_frame(FrameKind::ping, {});
  encoded[3] = std::byte{0};
  CHECK(error_of(encoded) == FrameError::bad_kind);
  encoded[3] = std::byte{last_frame_kind + 1};
  CHECK(error_of(encoded) == FrameError::bad_kind);
  encoded[3] = std::byte{21};  // a gap in the numbering
  CHECK(error_of(encoded) == FrameError::bad_kind);
  encoded[3] = std::byte{0xFF};
  CHECK(error_of(encoded) == FrameError::bad_kind);
}

TEST_CASE("a frame announcing more than the maximum size is refused from its header alone") {
  const Bytes header = bytes_of({'P', 'N', protocol_version, 8, 0xFF, 0xFF, 0xFF, 0xFF});
  CHECK(error_of(header) == FrameError::too_large);
  const Bytes small = encode_frame(FrameKind::send, filled(101));
  CHECK(error_of(small, 100) == FrameError::too_large);
  auto fits = decode_frame(small, 101);
  CHECK(std::holds_alternative<DecodedFrame>(fits));
}

TEST_CASE("encoding a payload above the maximum throws before producing anything") {
  Bytes out;
  CHECK_THROWS_AS(append_frame(out, FrameKind::send, filled(11), 10), std::length_error);
  CHECK(out.empty());
}

TEST_CASE("payloads round trip and malformed payloads throw SerializationError") {
  SendPayload sent{7, picos::RemoteTask{"t", 3, 99, picos::Location{"10.0.0.1", 9705}}, filled(5)};
  const Bytes encoded = encode_payload(sent);
  const auto received = decode_payload<SendPayload>(encoded);
  CHECK(received.request_id == 7);
  CHECK(received.target == sent.target);
  CHECK(received.target.name == "t");
  CHECK(received.message == sent.message);

  SUBCASE("truncated") {
    for (std::size_t length = 0; length < encoded.size(); ++length) {
      CHECK_THROWS_AS((void)decode_payload<SendPayload>(std::span(encoded).first(length)), picos::SerializationError);
    }
  }
  SUBCASE("trailing bytes") {
    Bytes longer = encoded;
    longer.push_back(std::byte{0});
    CHECK_THROWS_AS((void)decode_payload<SendPayload>(longer), picos::SerializationError);
  }
  SUBCASE("a huge container size") {
    // byte-order flag, request id, then a string length far beyond the input.
    Bytes bogus = bytes_of({1, 7, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F});
    CHECK_THROWS_AS((void)decode_payload<SendPayload>(bogus), picos::SerializationError);
  }
  SUBCASE("garbage") {
    CHECK_THROWS_AS((void)decode_payload<SendPayload>(bytes_of({9, 9, 9})), picos::SerializationError);
  }
}

TEST_CASE("a send frame encoded directly decodes like one built from its payload, and respects the maximum") {
  const SendPayload sent{42, picos::RemoteTask{"sink", 12, 0xABCDEF, picos::Location{"127.0.0.1", 40000}}, filled(300)};
  Bytes direct = bytes_of({9});  // appends after what is there
  append_send_frame(direct, sent.request_id, sent.target, sent.message, default_max_frame_size);
  const Bytes via_payload = encode_frame(FrameKind::send, encode_payload(sent));
  if constexpr (std::endian::native == std::endian::little) {
    CHECK(Bytes(direct.begin() + 1, direct.end()) == via_payload);
  }
  auto decoded = decode_frame(std::span<const std::byte>(direct).subspan(1));
  REQUIRE(std::holds_alternative<DecodedFrame>(decoded));
  const auto payload = decode_payload<SendPayload>(std::get<DecodedFrame>(decoded).frame.payload);
  CHECK(payload.request_id == 42);
  CHECK(payload.target == sent.target);
  CHECK(payload.target.name == "sink");
  CHECK(payload.message == sent.message);

  Bytes refused;
  CHECK_THROWS_AS(append_send_frame(refused, 1, sent.target, sent.message, 100), std::length_error);
  CHECK(refused.empty());
}

TEST_CASE("a send_batch frame grows message by message up to its limit and decodes to its messages in order") {
  const picos::RemoteTask target{"sink", 12, 0xABCDEF, picos::Location{"127.0.0.1", 40000}};
  const Bytes first = picos::serialize(picos::Message(std::string("first")));
  const Bytes second = picos::serialize(picos::Message(std::uint64_t{7}));
  const Bytes empty;
  Bytes out = bytes_of({9});  // appends after what is there
  append_send_batch(out, target, first, default_max_frame_size);
  CHECK(extend_send_batch(out, 1, second, default_max_frame_size));
  CHECK(extend_send_batch(out, 1, empty, default_max_frame_size));
  const std::size_t full = out.size() - 1 - frame_header_size;
  CHECK_FALSE(extend_send_batch(out, 1, second, full + 4 + second.size() - 1));  // one byte too many
  CHECK(out.size() - 1 - frame_header_size == full);

  const auto decoded = decode_frame(std::span<const std::byte>(out).subspan(1));
  REQUIRE(std::holds_alternative<DecodedFrame>(decoded));
  CHECK(std::get<DecodedFrame>(decoded).consumed == out.size() - 1);
  const Frame& frame = std::get<DecodedFrame>(decoded).frame;
  CHECK(frame.kind == FrameKind::send_batch);
  const SendBatchView view = decode_send_batch(frame.payload);
  CHECK(view.target == target);
  CHECK(view.target.name == "sink");
  REQUIRE(view.count == 3);
  BatchedMessages messages(view);
  CHECK(picos::deserialize(messages.next()).get<std::string>() == "first");
  CHECK(picos::deserialize(messages.next()).get<std::uint64_t>() == 7);
  CHECK(messages.next().empty());
  CHECK(messages.done());

  Bytes refused = bytes_of({9});
  CHECK_THROWS_AS(append_send_batch(refused, target, filled(200), 100), std::length_error);
  CHECK(refused == bytes_of({9}));
}

TEST_CASE("a send_batch payload that is truncated, empty, oversized in a size or has trailing bytes is refused") {
  const picos::RemoteTask target{"t", 3, 99, picos::Location{"10.0.0.1", 9705}};
  Bytes out;
  append_send_batch(out, target, filled(5), default_max_frame_size);
  REQUIRE(extend_send_batch(out, 0, filled(3), default_max_frame_size));
  const Bytes payload(out.begin() + frame_header_size, out.end());
  CHECK(decode_send_batch(payload).count == 2);
  // A prefix is refused unless it ends right after the first message, including the target
  // alone (a batch holds a message).
  const std::size_t after_first = payload.size() - (4 + 3);
  for (std::size_t size = 0; size < payload.size(); ++size) {
    const auto prefix = std::span<const std::byte>(payload).first(size);
    if (size == after_first) {
      CHECK(decode_send_batch(prefix).count == 1);
    } else {
      CHECK_THROWS_AS((void)decode_send_batch(prefix), picos::SerializationError);
    }
  }
  Bytes trailing = payload;
  trailing.push_back(std::byte{0});  // a size cut short
  CHECK_THROWS_AS((void)decode_send_batch(trailing), picos::SerializationError);
  Bytes huge = payload;
  const std::size_t first_size_at = payload.size() - (4 + 5) - (4 + 3);
  huge[first_size_at + 3] = std::byte{0x7F};  // the first message claims ~2 GiB (with the top bit clear)
  CHECK_THROWS_AS((void)decode_send_batch(huge), picos::SerializationError);
  Bytes big_endian = payload;  // flag 0: the sizes are read most significant byte first
  big_endian[0] = std::byte{0};
  CHECK_THROWS_AS((void)decode_send_batch(big_endian), picos::SerializationError);  // the target's sizes now mean nonsense
}

namespace {
// `messages` in a send_batch frame for `target`, built as a task's staged sends are.
Bytes staged_batch(const picos::RemoteTask& target, const std::vector<picos::Message>& messages) {
  Bytes out;
  BatchTypePrefix last_type;
  append_send_batch(out, target, picos::serialize(messages.front()), default_max_frame_size, &last_type);
  for (std::size_t i = 1; i < messages.size(); ++i) {
    const std::size_t size_at = begin_batched_message(out);
    picos::detail::serialize_append(out, messages[i]);
    REQUIRE(end_batched_message(out, 0, size_at, default_max_frame_size, last_type));
  }
  return out;
}
}  // namespace

TEST_CASE("batched messages of the type of the last one sent whole leave out its type prefix and decode whole") {
  const picos::RemoteTask target{"sink", 12, 0xABCDEF, picos::Location{"127.0.0.1", 40000}};
  const std::vector<picos::Message> sent{picos::Message(std::string("first")), picos::Message(std::string("second")),
                                         picos::Message(std::uint64_t{7}), picos::Message(std::uint64_t{8}),
                                         picos::Message(std::string("third"))};
  const Bytes out = staged_batch(target, sent);
  std::size_t whole_size = 0;
  for (const picos::Message& message : sent) whole_size += 4 + picos::serialize(message).size();
  const std::size_t string_prefix = picos::detail::type_prefix_size(picos::serialize(sent[0]));
  const std::size_t number_prefix = picos::detail::type_prefix_size(picos::serialize(sent[2]));
  REQUIRE(string_prefix > 0);
  REQUIRE(number_prefix > 0);
  const SendBatchView view = decode_send_batch(std::span<const std::byte>(out).subspan(frame_header_size));
  REQUIRE(view.count == sent.size());
  CHECK(view.messages.size() == whole_size - string_prefix - number_prefix);  // the second and fourth share
  BatchedMessages messages(view);
  const std::vector<bool> shares{false, true, false, true, false};
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const BatchedMessages::Part part = messages.next_part();
    CHECK(part.shares_type == shares[i]);
    const auto whole = messages.whole(part);
    CHECK(Bytes(whole.begin(), whole.end()) == picos::serialize(sent[i]));
  }
  CHECK(messages.done());
}

TEST_CASE("a batched message written as its value alone is byte for byte one whose type prefix was left out") {
  const picos::RemoteTask target{"sink", 12, 0xABCDEF, picos::Location{"127.0.0.1", 40000}};
  const picos::Message first(std::string("first"));
  const picos::Message second(std::string("second"));
  const Bytes expected = staged_batch(target, {first, second});
  Bytes out;
  BatchTypePrefix last_type;
  append_send_batch(out, target, picos::serialize(first), default_max_frame_size, &last_type);
  const picos::detail::TypeEntry* type = picos::detail::plain_type_of(second);
  REQUIRE(type != nullptr);
  CHECK(type == picos::detail::plain_type_of(first));
  const std::size_t size_at = begin_batched_message(out);
  type->append(out, second.data());
  REQUIRE(end_batched_value(out, 0, size_at, default_max_frame_size));
  CHECK(out == expected);
  // A value that does not fit is taken out again.
  const std::size_t full = out.size();
  const std::size_t again_at = begin_batched_message(out);
  type->append(out, second.data());
  CHECK_FALSE(end_batched_value(out, 0, again_at, full - frame_header_size + 4));
  CHECK(out.size() == full);
  CHECK(picos::detail::plain_type_of(picos::Message(std::vector<int>{1})) == nullptr);  // cereal-encoded
}

TEST_CASE("a batched message that shares the type of no message sent whole before it is refused") {
  const picos::RemoteTask target{"t", 3, 99, picos::Location{"10.0.0.1", 9705}};
  const Bytes two = staged_batch(target, {picos::Message(std::string("a")), picos::Message(std::string("b"))});
  const Bytes payload(two.begin() + frame_header_size, two.end());
  REQUIRE(decode_send_batch(payload).count == 2);
  const Bytes a = picos::serialize(picos::Message(std::string("a")));
  const std::size_t b_sent = a.size() - picos::detail::type_prefix_size(a);  // "b" is as long as "a"
  const std::size_t second_at = payload.size() - (4 + b_sent);
  const std::size_t first_at = second_at - (4 + a.size());
  REQUIRE(std::to_integer<unsigned>(payload[second_at + 3]) == 0x80);  // the second one shares
  Bytes first_shares = payload;
  first_shares[first_at + 3] |= std::byte{0x80};
  CHECK_THROWS_AS((void)decode_send_batch(first_shares), picos::SerializationError);
  // After a whole message without a well-formed type prefix, nothing can share it.
  Bytes untyped;
  append_send_batch(untyped, target, filled(5), default_max_frame_size);
  REQUIRE(extend_send_batch(untyped, 0, filled(3), default_max_frame_size));
  Bytes untyped_payload(untyped.begin() + frame_header_size, untyped.end());
  REQUIRE(decode_send_batch(untyped_payload).count == 2);
  untyped_payload[untyped_payload.size() - 3 - 1] |= std::byte{0x80};
  CHECK_THROWS_AS((void)decode_send_batch(untyped_payload), picos::SerializationError);
}

TEST_CASE("a send payload decoded in place matches the cereal decoding and refuses what it refuses") {
  const SendPayload sent{7, picos::RemoteTask{"t", 3, 99, picos::Location{"10.0.0.1", 9705}}, filled(5)};
  const Bytes encoded = encode_payload(sent);
  const SendView view = decode_send_payload(encoded);
  CHECK(view.request_id == 7);
  CHECK(view.target == sent.target);
  CHECK(view.target.name == "t");
  CHECK(Bytes(view.message.begin(), view.message.end()) == sent.message);

  Bytes big_endian = encoded;  // flag 0: every integer is stored most significant byte first
  big_endian[0] = std::byte{0};
  const auto reverse = [&](std::size_t at, std::size_t size) {
    std::reverse(big_endian.begin() + static_cast<std::ptrdiff_t>(at), big_endian.begin() + static_cast<std::ptrdiff_t>(at + size));
  };
  reverse(1, 8);                       // request id
  reverse(9, 8);                       // name size (then "t")
  reverse(18, 8);                      // id
  reverse(26, 8);                      // rid
  reverse(34, 8);                      // host size (then "10.0.0.1")
  reverse(50, 2);                      // port
  reverse(52, 8);                      // message size
  const SendView swapped = decode_send_payload(big_endian);
  CHECK(swapped.request_id == 7);
  CHECK(swapped.target == sent.target);
  CHECK(swapped.message.size() == 5);

  for (std::size_t size = 0; size < encoded.size(); ++size) {
    CHECK_THROWS_AS((void)decode_send_payload(std::span<const std::byte>(encoded).first(size)), picos::SerializationError);
  }
  Bytes trailing = encoded;
  trailing.push_back(std::byte{0});
  CHECK_THROWS_AS((void)decode_send_payload(trailing), picos::SerializationError);
  Bytes huge = encoded;
  huge[9 + 7] = std::byte{0x7F};  // the name claims ~2^62 bytes
  CHECK_THROWS_AS((void)decode_send_payload(huge), picos::SerializationError);
  Bytes bad_flag = encoded;
  bad_flag[0] = std::byte{2};
  CHECK_THROWS_AS((void)decode_send_payload(bad_flag), picos::SerializationError);
}
