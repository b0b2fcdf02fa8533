#pragma once
// The process-wide table of serializable message types: type <-> stable name <-> functions.

#include <picos/serialization.hpp>

#include <algorithm>
#include <bit>
#include <cstring>
#include <span>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <type_traits>
#include <typeindex>
#include <unordered_map>

namespace picos::detail {

// Appends a value's encoding straight to a buffer: the bytes `save` makes in a little-endian
// archive, without cereal's stream machinery.
using AppendFn = void (*)(Bytes&, const void*);

// True for the types whose encoding is written directly: numbers and strings on a little-endian
// host (their encoding is their bytes, strings preceded by a u64 length).
template <class T>
inline constexpr bool has_plain_encoding =
    std::endian::native == std::endian::little && (std::is_arithmetic_v<T> || std::is_same_v<T, std::string>);

// The AppendFn of T when has_plain_encoding<T>, else nullptr.
template <class T>
constexpr AppendFn plain_appender() {
  if constexpr (!has_plain_encoding<T>) {
    return nullptr;
  } else if constexpr (std::is_arithmetic_v<T>) {
    static_assert(!std::is_floating_point_v<T> || std::numeric_limits<T>::is_iec559);
    return [](Bytes& out, const void* value) {
      const auto* first = static_cast<const std::byte*>(value);
      out.insert(out.end(), first, first + sizeof(T));
    };
  } else {
    return [](Bytes& out, const void* value) {
      const auto& text = *static_cast<const std::string*>(value);
      const std::uint64_t size = text.size();
      const std::size_t at = out.size();
      out.resize(at + sizeof size + text.size());
      std::memcpy(out.data() + at, &size, sizeof size);
      std::memcpy(out.data() + at + sizeof size, text.data(), text.size());
    };
  }
}

// Throws SerializationError saying how `available` bytes differ from the `needed` ones.
[[noreturn]] void throw_plain_size_error(std::size_t available, std::uint64_t needed);
// Throws SerializationError unless a value needing `needed` bytes has exactly `available`.
inline void check_plain_size(std::size_t available, std::uint64_t needed) {
  if (available != needed) throw_plain_size_error(available, needed);
}

// Decodes a whole little-endian encoding made by the type's AppendFn (untrusted input): throws
// SerializationError when the bytes are not exactly one value.
using ParseFn = Message (*)(std::span<const std::byte>);

// The ParseFn of T when has_plain_encoding<T>, else nullptr.
template <class T>
constexpr ParseFn plain_parser() {
  if constexpr (!has_plain_encoding<T>) {
    return nullptr;
  } else if constexpr (std::is_arithmetic_v<T>) {
    return [](std::span<const std::byte> bytes) {
      check_plain_size(bytes.size(), sizeof(T));
      T value{};
      if constexpr (std::is_same_v<T, bool>) {
        if (std::to_integer<unsigned>(bytes[0]) > 1) throw SerializationError("picos: malformed serialized message: bad bool value");
        value = bytes[0] == std::byte{1};
      } else {
        std::memcpy(&value, bytes.data(), sizeof(T));
      }
      return Message(value);
    };
  } else {
    return [](std::span<const std::byte> bytes) {
      std::uint64_t size = 0;
      check_plain_size(std::min(bytes.size(), sizeof size), sizeof size);
      std::memcpy(&size, bytes.data(), sizeof size);
      check_plain_size(bytes.size() - sizeof size, size);
      return Message(std::in_place_type<std::string>, reinterpret_cast<const char*>(bytes.data() + sizeof size),
                     static_cast<std::size_t>(size));
    };
  }
}

struct TypeEntry {
  std::string name;
  SaveFn save = nullptr;
  LoadFn load = nullptr;
  AppendFn append = nullptr;  // optional fast path of `save`
  ParseFn parse = nullptr;    // optional fast path of `load`, set with `append`
};

class TypeRegistry {
 public:
  // Adds (type, name); see add_message_type() for the rules. Thread-safe.
  void add(const std::type_info& type, std::string name, SaveFn save, LoadFn load, AppendFn append = nullptr,
           ParseFn parse = nullptr);
  // The entry for a type / a name; nullptr when absent. Entries are never changed or removed, so
  // the pointer stays valid as long as the registry. Thread-safe.
  const TypeEntry* find(const std::type_info& type) const;
  const TypeEntry* find(std::string_view name) const;

  template <class T>
  void add_builtin() {
    add(typeid(T), message_type_name<T>(), &save_erased<T>, &load_erased<T>, plain_appender<T>(), plain_parser<T>());
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::type_index, TypeEntry> by_type_;
  std::map<std::string, const std::type_info*, std::less<>> by_name_;
};

// serialize(), appending to `out` instead of making a new buffer; on a throw `out` may hold part
// of the encoding. Throws as serialize().
void serialize_append(Bytes& out, const Message& message);
// The registry entry of `message`'s type when serialize_append() writes it without cereal: its
// encoding is then the type prefix (flag 1, the name's size, the name) and what entry->append
// writes. nullptr for an empty message or another type.
[[nodiscard]] const TypeEntry* plain_type_of(const Message& message);

// Bytes of the type prefix a serialize() encoding starts with (the byte-order flag, the type
// name's size as a u64 in that order, and the name); 0 when `bytes` do not start with a
// well-formed one. Untrusted input.
[[nodiscard]] std::size_t type_prefix_size(std::span<const std::byte> bytes) noexcept;
// The ParseFn of the type a whole type prefix names (one type_prefix_size() measured), for the
// value bytes that follow it: nullptr unless it is a little-endian prefix on a little-endian host
// and names a registered type with a plain encoding.
[[nodiscard]] ParseFn plain_parser_of(std::span<const std::byte> type_prefix);

// The registry, with the built-in types already added.
TypeRegistry& type_registry();

// Adds the built-in types (builtins.cpp).
void add_builtin_types(TypeRegistry& registry);

}  // namespace picos::detail
