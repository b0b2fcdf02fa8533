// libFuzzer target: picos::deserialize() on untrusted bytes, with every built-in type, a
// registered user type (holding a nested Message) and registered compositions reachable by
// name. Contract checked: any failure is a SerializationError; whatever decodes re-encodes, and
// re-encoding is stable.
#include <picos/serialization.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

namespace {

struct FuzzRecord {
  std::string name;
  std::int32_t count = 0;
  std::vector<double> samples;
  std::optional<std::string> note;
  std::map<std::string, std::int64_t> totals;
  picos::Message payload;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(name, count, samples, note, totals, payload);
  }
};

using FuzzVariant = std::variant<std::int32_t, std::string, FuzzRecord>;
using FuzzTuple = std::tuple<bool, std::uint16_t, std::string, std::optional<std::int64_t>>;

PICOS_MESSAGE_TYPE(FuzzRecord, "fuzz.record");
const bool compositions_registered = picos::register_message_type<std::vector<FuzzRecord>>() &&
                                     picos::register_message_type<FuzzVariant>() &&
                                     picos::register_message_type<FuzzTuple>() &&
                                     picos::register_message_type<std::map<std::string, std::vector<std::int32_t>>>() &&
                                     picos::register_message_type<std::pair<std::string, FuzzRecord>>();

void require(bool condition) {
  if (!condition) std::abort();
}

bool contains(const picos::Bytes& bytes, std::string_view text) {
  const std::string_view view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return view.find(text) != std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  require(compositions_registered);
  const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);
  picos::Message decoded;
  try {
    decoded = picos::deserialize(input);
  } catch (const picos::SerializationError&) {
    return 0;
  }
  const picos::Bytes encoded = picos::serialize(decoded);
  const picos::Bytes again = picos::serialize(picos::deserialize(encoded));
  // An unordered_map's iteration order may differ between two equal maps.
  if (!contains(encoded, "unordered_map")) require(encoded == again);
  return 0;
}
