// The message type registry and the serialize() / deserialize() entry points.
#include "message/registry.hpp"

#include <cstring>
#include <memory>
#include <optional>
#include <ostream>
#include <streambuf>

namespace picos {
namespace detail {

// by_type_ is hashed, not ordered: type_index's ordering (type_info::before) is not a strict
// weak order in mingw-w64's libstdc++ 12 once types from anonymous namespaces (names marked '*')
// are mixed with others, and an ordered map then silently lost registrations on Windows. Hashing
// and equality are right everywhere.
void TypeRegistry::add(const std::type_info& type, std::string name, SaveFn save, LoadFn load, AppendFn append,
                       ParseFn parse) {
  if (name.empty()) throw std::logic_error("picos: message type " + type_name(type) + " needs a non-empty name");
  std::lock_guard<std::mutex> lock(mutex_);
  const auto by_type = by_type_.find(std::type_index(type));
  if (by_type != by_type_.end()) {
    if (by_type->second.name == name) return;
    throw std::logic_error("picos: message type " + type_name(type) + " is already registered as '" +
                           by_type->second.name + "', cannot register it again as '" + name + "'");
  }
  const auto by_name = by_name_.find(name);
  if (by_name != by_name_.end()) {
    throw std::logic_error("picos: message type name '" + name + "' is already taken by " +
                           type_name(*by_name->second) + ", cannot give it to " + type_name(type));
  }
  by_name_.emplace(name, &type);
  by_type_.emplace(std::type_index(type), TypeEntry{std::move(name), save, load, append, parse});
}

// Lookups are on the path of every message sent or received, and a stream of messages is mostly
// of one type: each thread remembers its last answer per direction, which needs no lock because
// entries never change or move (unordered_map nodes keep their address through rehashing).
// initial-exec (not on Windows, where the attribute does not apply): a %fs-relative access
// instead of a __tls_get_addr() call per message.
#if defined(_WIN32)
#define PICOS_INITIAL_EXEC
#else
#define PICOS_INITIAL_EXEC __attribute__((tls_model("initial-exec")))
#endif

const TypeEntry* TypeRegistry::find(const std::type_info& type) const {
  constinit thread_local const TypeRegistry* last_registry PICOS_INITIAL_EXEC = nullptr;
  constinit thread_local const std::type_info* last_type PICOS_INITIAL_EXEC = nullptr;
  constinit thread_local const TypeEntry* last_entry PICOS_INITIAL_EXEC = nullptr;
  if (last_registry == this && last_type == &type) return last_entry;
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = by_type_.find(std::type_index(type));
  if (found == by_type_.end()) return nullptr;
  last_registry = this;
  last_type = &type;
  last_entry = &found->second;
  return last_entry;
}

const TypeEntry* TypeRegistry::find(std::string_view name) const {
  constinit thread_local const TypeRegistry* last_registry PICOS_INITIAL_EXEC = nullptr;
  constinit thread_local const TypeEntry* last_entry PICOS_INITIAL_EXEC = nullptr;
  if (last_registry == this && last_entry->name == name) return last_entry;
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = by_name_.find(name);
  if (found == by_name_.end()) return nullptr;
  last_registry = this;
  last_entry = &by_type_.at(std::type_index(*found->second));
  return last_entry;
}

// Out of line: the check itself is inlined into every parser of the receive path.
void throw_plain_size_error(std::size_t available, std::uint64_t needed) {
  if (available < needed) {
    throw SerializationError("picos: malformed serialized message: it ends early (needed " + std::to_string(needed) +
                             " bytes, " + std::to_string(available) + " left)");
  }
  throw SerializationError("picos: " + std::to_string(available - needed) +
                           " unexpected bytes after the serialized message");
}

TypeRegistry& type_registry() {
  // Built on first use (also from other translation units' static initializers); never destroyed
  // so registrations made during static destruction stay valid.
  static TypeRegistry* registry = [] {
    auto* made = new TypeRegistry;
    add_builtin_types(*made);
    return made;
  }();
  return *registry;
}

void add_message_type(const std::type_info& type, std::string name, SaveFn save, LoadFn load) {
  type_registry().add(type, std::move(name), save, load);
}

std::string registered_name(const std::type_info& type) {
  const TypeEntry* entry = type_registry().find(type);
  if (entry == nullptr) {
    throw SerializationError("picos: message type " + type_name(type) +
                             " is not registered for serialization (use PICOS_MESSAGE_TYPE or "
                             "picos::register_message_type)");
  }
  return entry->name;
}

}  // namespace detail

bool is_serializable(const std::type_info& type) noexcept {
  if (type == typeid(void)) return true;
  try {
    return detail::type_registry().find(type) != nullptr;
  } catch (...) {
    return false;
  }
}

void save(cereal::PortableBinaryOutputArchive& archive, const Message& message) {
  if (message.empty()) {
    archive(std::string());
    return;
  }
  const detail::TypeEntry* entry = detail::type_registry().find(message.type());
  if (entry == nullptr) {
    (void)detail::registered_name(message.type());  // throws the descriptive error
  }
  archive(entry->name);
  entry->save(archive, message.data());
}

void load(BoundedInputArchive& archive, Message& message) {
  archive.enter_message();
  std::string name;
  archive(name);
  if (name.empty()) {
    message.reset();
  } else {
    const detail::TypeEntry* entry = detail::type_registry().find(name);
    if (entry == nullptr) {
      throw SerializationError("picos: serialized message has unknown type name '" + name + "'");
    }
    message = entry->load(archive);
  }
  archive.leave_message();
}

namespace {

// Appends what a std::ostream writes to a Bytes buffer.
class BytesStreamBuffer : public std::streambuf {
 public:
  Bytes* out = nullptr;

 protected:
  std::streamsize xsputn(const char* data, std::streamsize size) override {
    const auto* first = reinterpret_cast<const std::byte*>(data);
    out->insert(out->end(), first, first + size);
    return size;
  }
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    out->push_back(static_cast<std::byte>(traits_type::to_char_type(c)));
    return c;
  }
};

// serialize() reuses one output stream per thread: setting up a std::ostream (locale, facets)
// costs more than encoding a small message. A nested call (a type's save function serializing
// another Message) finds it busy and uses a fresh one.
struct SerializeStream {
  BytesStreamBuffer buffer;
  std::ostream stream{&buffer};
  bool busy = false;
};

// Bytes reserved for a serialized message up front (type name and a small value).
constexpr std::size_t typical_serialized_size = 64;

}  // namespace

namespace detail {
namespace {
constexpr AppendFn entry_name_appender = plain_appender<std::string>();
}  // namespace

const TypeEntry* plain_type_of(const Message& message) {
  const TypeEntry* entry = message.empty() ? nullptr : type_registry().find(message.type());
  return entry != nullptr && entry->append != nullptr ? entry : nullptr;
}

void serialize_append(Bytes& out, const Message& message) {
  // Numbers and strings skip cereal: what it would write is the byte-order flag, the type name
  // and the value's bytes, and its stream calls cost several times the copying.
  if (const TypeEntry* entry = plain_type_of(message)) {
    out.push_back(std::byte{1});
    entry_name_appender(out, &entry->name);
    entry->append(out, message.data());
    return;
  }
#if defined(_WIN32)
  // mingw-w64's emulated TLS may release a thread's storage before its thread_local destructors
  // run (see core/block_cache.cpp): a reused stream's destructor would then write into freed
  // memory, so Windows makes a fresh stream per call.
  SerializeStream fresh;
  SerializeStream& use = fresh;
#else
  thread_local SerializeStream reused;
  std::unique_ptr<SerializeStream> fresh;
  SerializeStream& use = reused.busy ? *(fresh = std::make_unique<SerializeStream>()) : reused;
#endif
  use.buffer.out = &out;
  use.stream.clear();
  use.busy = true;
  struct Release {
    SerializeStream& use;
    ~Release() {
      use.busy = false;
      use.buffer.out = nullptr;
    }
  } release{use};
  cereal::PortableBinaryOutputArchive archive(use.stream, cereal::PortableBinaryOutputArchive::Options::LittleEndian());
  try {
    save(archive, message);
  } catch (const cereal::Exception& error) {
    throw SerializationError(std::string("picos: cannot serialize ") + type_name(message.type()) + ": " +
                             error.what());
  }
}
}  // namespace detail

Bytes serialize(const Message& message) {
  Bytes bytes;
  bytes.reserve(typical_serialized_size);
  detail::serialize_append(bytes, message);
  return bytes;
}

namespace detail {
std::size_t type_prefix_size(std::span<const std::byte> bytes) noexcept {
  constexpr std::size_t flag_and_size = 1 + sizeof(std::uint64_t);
  if (bytes.size() < flag_and_size) return 0;
  const auto flag = std::to_integer<unsigned>(bytes[0]);
  if (flag > 1) return 0;
  std::uint64_t name_size = 0;
  for (std::size_t i = 0; i < sizeof name_size; ++i) {
    const std::size_t shift = 8 * (flag == 1 ? i : sizeof name_size - 1 - i);
    name_size |= std::to_integer<std::uint64_t>(bytes[1 + i]) << shift;
  }
  if (name_size == 0 || name_size > bytes.size() - flag_and_size) return 0;
  return flag_and_size + static_cast<std::size_t>(name_size);
}

ParseFn plain_parser_of(std::span<const std::byte> type_prefix) {
  // The prefix was measured by type_prefix_size() already: only its byte order is left to check.
  constexpr std::size_t flag_and_size = 1 + sizeof(std::uint64_t);
  if constexpr (std::endian::native != std::endian::little) return nullptr;
  if (type_prefix.size() <= flag_and_size || type_prefix[0] != std::byte{1}) return nullptr;
  const std::string_view name(reinterpret_cast<const char*>(type_prefix.data() + flag_and_size),
                              type_prefix.size() - flag_and_size);
  const TypeEntry* entry = type_registry().find(name);
  return entry == nullptr ? nullptr : entry->parse;
}
}  // namespace detail

namespace {
// The encoding serialize_append() makes for a type with a ParseFn, read without cereal: nullopt
// when `bytes` are not that (another byte order, another type), for the general path to decode.
std::optional<Message> parse_plain(std::span<const std::byte> bytes) {
  const std::size_t prefix = detail::type_prefix_size(bytes);
  if (prefix == 0) return std::nullopt;
  const detail::ParseFn parse = detail::plain_parser_of(bytes.first(prefix));
  if (parse == nullptr) return std::nullopt;
  return parse(bytes.subspan(prefix));
}
}  // namespace

Message deserialize(std::span<const std::byte> bytes) {
  if (std::optional<Message> plain = parse_plain(bytes)) return std::move(*plain);
  try {
    BoundedInputArchive archive(bytes);
    Message message;
    load(archive, message);
    if (archive.remaining() != 0) {
      throw SerializationError("picos: " + std::to_string(archive.remaining()) +
                               " unexpected bytes after the serialized message");
    }
    return message;
  } catch (const SerializationError&) {
    throw;
  } catch (const cereal::Exception& error) {
    throw SerializationError(std::string("picos: malformed serialized message: ") + error.what());
  } catch (const std::bad_alloc&) {
    throw SerializationError("picos: malformed serialized message: out of memory while decoding");
  } catch (const std::exception& error) {  // thrown by a type's own load function
    throw SerializationError(std::string("picos: malformed serialized message: ") + error.what());
  }
}

}  // namespace picos
