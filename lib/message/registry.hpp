#pragma once
// The process-wide table of serializable message types: type <-> stable name <-> functions.

#include <picos/serialization.hpp>

#include <map>
#include <mutex>
#include <string>
#include <typeindex>
#include <unordered_map>

namespace picos::detail {

struct TypeEntry {
  std::string name;
  SaveFn save = nullptr;
  LoadFn load = nullptr;
};

class TypeRegistry {
 public:
  // Adds (type, name); see add_message_type() for the rules. Thread-safe.
  void add(const std::type_info& type, std::string name, SaveFn save, LoadFn load);
  // Copies of the entry for a type / a name; false when absent. Thread-safe.
  bool find(const std::type_info& type, TypeEntry& out) const;
  bool find(const std::string& name, TypeEntry& out) const;

  template <class T>
  void add_builtin() {
    add(typeid(T), message_type_name<T>(), &save_erased<T>, &load_erased<T>);
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::type_index, TypeEntry> by_type_;
  std::map<std::string, const std::type_info*, std::less<>> by_name_;
};

// The registry, with the built-in types already added.
TypeRegistry& type_registry();

// Adds the built-in types (builtins.cpp).
void add_builtin_types(TypeRegistry& registry);

}  // namespace picos::detail
