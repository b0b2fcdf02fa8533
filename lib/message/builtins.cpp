// The message types every picos process knows, and MonitorStatus's serialization.
#include "message/registry.hpp"

namespace picos {
namespace detail {
namespace {

template <class... Ts>
void add_all(TypeRegistry& registry) {
  (registry.add_builtin<Ts>(), ...);
}

// vector<T> and optional<T> for each T.
template <class... Ts>
void add_sequences(TypeRegistry& registry) {
  add_all<std::vector<Ts>..., std::optional<Ts>...>(registry);
}

// map<string, T> and unordered_map<string, T> for each T.
template <class... Ts>
void add_string_maps(TypeRegistry& registry) {
  add_all<std::map<std::string, Ts>..., std::unordered_map<std::string, Ts>...>(registry);
}

}  // namespace

void add_builtin_types(TypeRegistry& registry) {
  add_all<bool, char, std::int8_t, std::int16_t, std::int32_t, std::int64_t, std::uint8_t, std::uint16_t,
          std::uint32_t, std::uint64_t, float, double, std::string, std::vector<std::byte>>(registry);
  add_sequences<bool, std::int32_t, std::int64_t, std::uint8_t, std::uint32_t, std::uint64_t, double,
                std::string>(registry);
  add_string_maps<bool, std::int32_t, std::int64_t, std::uint64_t, double, std::string>(registry);
  add_all<std::pair<std::string, std::string>, std::vector<Message>>(registry);
  registry.add(typeid(MonitorStatus), "picos.monitor_status", &save_erased<MonitorStatus>,
               &load_erased<MonitorStatus>);
}

}  // namespace detail

void save(cereal::PortableBinaryOutputArchive& archive, const MonitorStatus& status) {
  auto kind = static_cast<std::uint8_t>(status.kind);
  if (status.kind == MonitorStatus::Kind::finished && !is_serializable(status.value.type())) {
    // pycos reports a value that cannot cross the network as a serialization failure.
    archive(static_cast<std::uint8_t>(MonitorStatus::Kind::failed), Message{},
            std::string("picos::SerializationError"),
            "return value of type " + type_name(status.value.type()) + " is not serializable");
    return;
  }
  archive(kind, status.value, status.error_type, status.error_message);
}

void load(BoundedInputArchive& archive, MonitorStatus& status) {
  std::uint8_t kind = 0;
  archive(kind);
  if (kind > static_cast<std::uint8_t>(MonitorStatus::Kind::terminated)) {
    throw SerializationError("picos: bad MonitorStatus kind " + std::to_string(kind));
  }
  status.kind = static_cast<MonitorStatus::Kind>(kind);
  archive(status.value, status.error_type, status.error_message);
}

}  // namespace picos
