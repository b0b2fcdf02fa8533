// The RTI payloads and argument encoding as untrusted input: valid values round-trip; truncated,
// extended and random bytes fail with SerializationError only.
#include "net/frame.hpp"
#include "rti/rti_wire.hpp"

#include <picos/rti.hpp>

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <tuple>

using picos::Bytes;
using picos::SerializationError;
namespace rti = picos::rti;

namespace {

// Every strict prefix and a one-byte extension of `valid` must be refused by `decode`.
template <class Decode>
void refuses_damaged(const Bytes& valid, Decode decode) {
  for (std::size_t length = 0; length < valid.size(); ++length) {
    const Bytes prefix(valid.begin(), valid.begin() + static_cast<std::ptrdiff_t>(length));
    CHECK_THROWS_AS(decode(prefix), SerializationError);
  }
  Bytes longer = valid;
  longer.push_back(std::byte{0});
  CHECK_THROWS_AS(decode(longer), SerializationError);
}

// Random bytes may decode by chance, but must never fail any other way.
template <class Decode>
void survives_random(Decode decode) {
  std::mt19937 random(12345);
  for (int round = 0; round < 2000; ++round) {
    Bytes bytes(static_cast<std::size_t>(random() % 96));
    for (auto& byte : bytes) byte = static_cast<std::byte>(random() & 0xffU);
    if (!bytes.empty()) bytes[0] = std::byte{1};  // a valid byte-order flag, to get further in
    try {
      decode(bytes);
    } catch (const SerializationError&) {
    }
  }
}

}  // namespace

TEST_CASE("call requests and replies round-trip and refuse damaged bytes") {
  rti::detail::CallRequest request;
  request.request_id = 77;
  request.service = rti::ServiceReference{"compute", 3, 44, picos::Location{"::1", 9705}};
  request.signature = "tuple<i32,string>";
  request.arguments = rti::detail::encode_arguments(std::tuple<int, std::string>{5, "five"});
  request.result_monitor = picos::RemoteTask{"rti-result", 9, 10, picos::Location{"::1", 9706}};
  const Bytes encoded = picos::net::encode_payload(request);
  const auto decoded = picos::net::decode_payload<rti::detail::CallRequest>(encoded);
  CHECK(decoded.request_id == 77);
  CHECK(decoded.service == request.service);
  CHECK(decoded.signature == request.signature);
  CHECK(decoded.arguments == request.arguments);
  CHECK(decoded.result_monitor == request.result_monitor);
  auto decode = [](const Bytes& bytes) { (void)picos::net::decode_payload<rti::detail::CallRequest>(bytes); };
  refuses_damaged(encoded, decode);
  survives_random(decode);

  rti::detail::CallReply reply{77, rti::detail::outcome_ok, request.result_monitor, ""};
  const Bytes reply_bytes = picos::net::encode_payload(reply);
  CHECK(picos::net::decode_payload<rti::detail::CallReply>(reply_bytes).task == reply.task);
  auto decode_reply = [](const Bytes& bytes) { (void)picos::net::decode_payload<rti::detail::CallReply>(bytes); };
  refuses_damaged(reply_bytes, decode_reply);
  survives_random(decode_reply);
}

TEST_CASE("locate and monitor payloads round-trip and refuse damaged bytes") {
  const rti::detail::LocateReply located{5, true, rti::ServiceReference{"s", 1, 2, picos::Location{"h", 1}},
                                         "tuple<>", "void"};
  const Bytes bytes = picos::net::encode_payload(located);
  CHECK(picos::net::decode_payload<rti::detail::LocateReply>(bytes).result_type == "void");
  refuses_damaged(bytes, [](const Bytes& b) { (void)picos::net::decode_payload<rti::detail::LocateReply>(b); });
  survives_random([](const Bytes& b) { (void)picos::net::decode_payload<rti::detail::LocateRequest>(b); });
  survives_random([](const Bytes& b) { (void)picos::net::decode_payload<rti::detail::MonitorRequest>(b); });
  survives_random([](const Bytes& b) { (void)picos::net::decode_payload<rti::detail::MonitorReply>(b); });
}

TEST_CASE("arguments decode with the function's own types and refuse anything else") {
  using Arguments = std::tuple<int, std::string, std::vector<double>>;
  const Arguments sent{-4, "text", {1.5, 2.5}};
  const Bytes bytes = rti::detail::encode_arguments(sent);
  CHECK(rti::detail::decode_arguments<Arguments>(bytes) == sent);
  refuses_damaged(bytes, [](const Bytes& b) { (void)rti::detail::decode_arguments<Arguments>(b); });
  survives_random([](const Bytes& b) { (void)rti::detail::decode_arguments<Arguments>(b); });
  // No arguments: only the byte-order flag.
  CHECK(rti::detail::decode_arguments<std::tuple<>>(rti::detail::encode_arguments(std::tuple<>{})) == std::tuple<>{});
  CHECK(rti::detail::signature_of<Arguments>() == "tuple<i32,string,vector<f64>>");
}
