// libFuzzer target: the path rules of file transfer (lib/net/file_paths.hpp) and the file frame
// payloads (lib/net/file_wire.hpp). Input: one byte choosing what to check, then the data.
// Contracts: file_target() refuses or returns a target whose every component is a plain name (not
// empty, ".", ".." nor with '/' or NUL, at most 255 bytes) at most 32 deep, whose name is not a
// partial file's, and whose path is dest_path joined with them, so it cannot leave dest_path;
// base_name() and default_dest_path() give one plain last component; payload decoding fails only
// with SerializationError.
#include "net/file_paths.hpp"
#include "net/file_wire.hpp"
#include "net/frame.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

bool plain_component(std::string_view component) {
  return !component.empty() && component != "." && component != ".." &&
         component.size() <= picos::net::max_path_component && component.find('/') == std::string_view::npos &&
         component.find('\0') == std::string_view::npos;
}

void check_target(std::string_view text) {
  const std::string_view dest = "/dest";
  const std::size_t split = text.empty() ? 0 : static_cast<unsigned char>(text[0]) % text.size();
  const std::string_view dir = text.empty() ? text : text.substr(1, split);
  const std::string_view name = text.empty() ? text : text.substr(std::min(text.size(), split + 1));
  const auto decided = picos::net::file_target(dest, dir, name);
  const auto* target = std::get_if<picos::net::FileTarget>(&decided);
  if (target == nullptr) {
    require(!std::get<picos::net::PathRefusal>(decided).reason.empty());
    return;
  }
  require(target->dirs.size() <= picos::net::max_dir_depth);
  std::string joined(dest);
  for (const std::string& component : target->dirs) {
    require(plain_component(component));
    joined += "/" + component;
  }
  require(plain_component(target->name));
  require(!target->name.starts_with(picos::net::partial_file_prefix));
  require(name == target->name);
  require(target->path == joined + "/" + target->name);
  require(!dir.starts_with("/"));
}

void check_names(std::string_view text) {
  const std::string base = picos::net::base_name(text);
  require(base.find('/') == std::string::npos);
  require(text.ends_with(base));
  const std::string dest = picos::net::default_dest_path("/tmp", text);
  require(dest.starts_with("/tmp/picos/"));
  require(plain_component(std::string_view(dest).substr(std::string_view("/tmp/picos/").size())));
}

template <class Payload>
void decode_as(std::span<const std::byte> bytes) {
  try {
    (void)picos::net::decode_payload<Payload>(bytes);
  } catch (const picos::SerializationError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: check_target(text); break;
    case 1: check_names(text); break;
    case 2:
      decode_as<picos::net::FileOfferPayload>(bytes);
      decode_as<picos::net::FileDeletePayload>(bytes);
      decode_as<picos::net::FileCancelPayload>(bytes);
      break;
    default:
      decode_as<picos::net::FileChunkPayload>(bytes);
      decode_as<picos::net::FileReplyPayload>(bytes);
      break;
  }
  return 0;
}
