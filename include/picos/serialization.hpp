#pragma once
/// @file serialization.hpp
/// Turning a picos::Message into bytes and back, for messages that cross a process boundary.
///
/// Only registered types can be serialized. A registered type has a stable name (written in
/// front of its value, so both processes must register the same name) and cereal serialization
/// (a `serialize(Archive&)` member or free function, or save/load pairs; see cereal's docs).
/// Built in, with no registration:
/// - bool, char, the fixed-width integers (names i8..i64, u8..u64), float (f32), double (f64),
///   std::string ("string"), std::vector<std::byte> ("bytes"), picos::MonitorStatus
///   ("picos.monitor_status"; the task handle and the local exception_ptr are not carried);
/// - these compositions: vector<T> and optional<T> for T in bool, i32, i64, u8 (a second
///   byte-buffer type), u32, u64, f64, string; map<string, T> and unordered_map<string, T> for
///   T in bool, i32, i64, u64, f64, string; pair<string, string>; vector<Message>.
/// Other compositions of registered types (vector, map, unordered_map, optional, pair, tuple,
/// variant, nested Message) serialize with a derived name ("map<string,vector<i32>>") once
/// declared with `picos::register_message_type<T>()`; user types with PICOS_MESSAGE_TYPE.
///
/// The format is cereal's portable binary archive (little-endian): a byte-order flag, the type
/// name as a string, then the value. Decoding treats its input as untrusted (see
/// BoundedInputArchive): every failure is a SerializationError, never a crash.

#include <picos/bounded_archive.hpp>
#include <picos/message.hpp>
#include <picos/task.hpp>

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/tuple.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace picos {

/// A message could not be serialized (its type is not registered; the exception names it) or
/// deserialized (malformed, truncated or unknown input).
class SerializationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A serialized message.
using Bytes = std::vector<std::byte>;

namespace detail {
using SaveFn = void (*)(cereal::PortableBinaryOutputArchive&, const void*);
using LoadFn = Message (*)(BoundedInputArchive&);

// Adds `type` under `name`. Repeating the same pair is a no-op; a name or type already taken by
// another registration throws std::logic_error. Thread-safe.
void add_message_type(const std::type_info& type, std::string name, SaveFn save, LoadFn load);
// The name `type` was registered under; throws SerializationError naming the type if none.
[[nodiscard]] std::string registered_name(const std::type_info& type);

template <class T>
void save_erased(cereal::PortableBinaryOutputArchive& archive, const void* value) {
  archive(*static_cast<const T*>(value));
}
template <class T>
Message load_erased(BoundedInputArchive& archive) {
  Message message(std::in_place_type<T>);
  archive(*message.get_if<T>());
  return message;
}

template <class T>
struct TypeName {
  static std::string get() {
    if constexpr (std::is_same_v<T, bool>) return "bool";
    else if constexpr (std::is_same_v<T, char>) return "char";
    else if constexpr (std::is_same_v<T, std::int8_t>) return "i8";
    else if constexpr (std::is_same_v<T, std::int16_t>) return "i16";
    else if constexpr (std::is_same_v<T, std::int32_t>) return "i32";
    else if constexpr (std::is_same_v<T, std::int64_t>) return "i64";
    else if constexpr (std::is_same_v<T, std::uint8_t>) return "u8";
    else if constexpr (std::is_same_v<T, std::uint16_t>) return "u16";
    else if constexpr (std::is_same_v<T, std::uint32_t>) return "u32";
    else if constexpr (std::is_same_v<T, std::uint64_t>) return "u64";
    else if constexpr (std::is_same_v<T, float>) return "f32";
    else if constexpr (std::is_same_v<T, double>) return "f64";
    else if constexpr (std::is_same_v<T, std::string>) return "string";
    else if constexpr (std::is_same_v<T, std::vector<std::byte>>) return "bytes";
    else if constexpr (std::is_same_v<T, Message>) return "message";
    else return registered_name(typeid(T));
  }
};
template <class... Ts>
std::string joined_names() {
  std::string out;
  ((out.append(out.empty() ? "" : ","), out.append(TypeName<Ts>::get())), ...);
  return out;
}
template <class T, class A>
struct TypeName<std::vector<T, A>> {
  static std::string get() {
    if constexpr (std::is_same_v<T, std::byte>) return "bytes";
    else return "vector<" + TypeName<T>::get() + ">";
  }
};
template <class K, class V, class C, class A>
struct TypeName<std::map<K, V, C, A>> {
  static std::string get() { return "map<" + joined_names<K, V>() + ">"; }
};
template <class K, class V, class H, class E, class A>
struct TypeName<std::unordered_map<K, V, H, E, A>> {
  static std::string get() { return "unordered_map<" + joined_names<K, V>() + ">"; }
};
template <class T>
struct TypeName<std::optional<T>> {
  static std::string get() { return "optional<" + TypeName<T>::get() + ">"; }
};
template <class A, class B>
struct TypeName<std::pair<A, B>> {
  static std::string get() { return "pair<" + joined_names<A, B>() + ">"; }
};
template <class... Ts>
struct TypeName<std::tuple<Ts...>> {
  static std::string get() { return "tuple<" + joined_names<Ts...>() + ">"; }
};
template <class... Ts>
struct TypeName<std::variant<Ts...>> {
  static std::string get() { return "variant<" + joined_names<Ts...>() + ">"; }
};
}  // namespace detail

/// The wire name of T: built-in names, names derived for compositions, or the name T was
/// registered under. Throws SerializationError naming T when a part of it is not registered.
template <class T>
[[nodiscard]] std::string message_type_name() {
  return detail::TypeName<detail::message_value_t<T>>::get();
}

/// Registers T under `name` so Messages holding a T can be serialized and deserialized. Call it
/// once per process (PICOS_MESSAGE_TYPE does it during static initialization); repeating the
/// same registration is harmless. T must be default-constructible and cereal-serializable.
/// Returns true. Throws std::logic_error when `name` is empty or already names another type,
/// or T is already registered under another name. Thread-safe.
template <class T>
bool register_message_type(std::string name) {
  static_assert(std::is_default_constructible_v<T>, "picos: a message type must be default-constructible");
  detail::add_message_type(typeid(T), std::move(name), &detail::save_erased<T>, &detail::load_erased<T>);
  return true;
}

/// Registers a composition (vector, map, unordered_map, optional, pair, tuple, variant) of
/// registered types under its derived name, e.g. "vector<point>". Throws like the named form,
/// and SerializationError when an element type is not registered yet.
template <class T>
bool register_message_type() {
  return register_message_type<T>(message_type_name<T>());
}

/// True when a value of `type` can be serialized (its type is registered). Never throws.
[[nodiscard]] bool is_serializable(const std::type_info& type) noexcept;

/// Encodes `message` (an empty message too). Throws SerializationError naming the held type when
/// it is not registered; rethrows what the type's own serialization throws.
[[nodiscard]] Bytes serialize(const Message& message);

/// Decodes bytes made by serialize(). The input is untrusted: sizes and counts are checked
/// against its length, unknown type names, trailing bytes and any decoding failure throw
/// SerializationError describing the problem.
[[nodiscard]] Message deserialize(std::span<const std::byte> bytes);

/// cereal hooks so a Message can be a part of a serialized value (e.g. std::vector<Message>).
void save(cereal::PortableBinaryOutputArchive& archive, const Message& message);
void load(BoundedInputArchive& archive, Message& message);

/// cereal hooks for MonitorStatus: the kind, the value (a value that is not serializable turns
/// the status into `failed` with error_type "picos::SerializationError"), error type and message.
void save(cereal::PortableBinaryOutputArchive& archive, const MonitorStatus& status);
void load(BoundedInputArchive& archive, MonitorStatus& status);

}  // namespace picos

#define PICOS_DETAIL_CONCAT_INNER(a, b) a##b
#define PICOS_DETAIL_CONCAT(a, b) PICOS_DETAIL_CONCAT_INNER(a, b)

/// Registers the message type T under the stable wire name NAME, once, at namespace scope:
///     struct Point { int x, y; template <class A> void serialize(A& a) { a(x, y); } };
///     PICOS_MESSAGE_TYPE(Point, "example.point");
/// Use an alias for a type whose name contains a comma. Throws (at static initialization, which
/// ends the program) on a conflicting registration, see picos::register_message_type().
#define PICOS_MESSAGE_TYPE(T, NAME)                                                              \
  [[maybe_unused]] static const bool PICOS_DETAIL_CONCAT(picos_message_type_registered_, __COUNTER__) = \
      ::picos::register_message_type<T>(NAME)
