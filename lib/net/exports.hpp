#pragma once
// The tasks a node makes reachable from peers: exported tasks by id (with their random rid) and
// registered names. Thread-safe.

#include <picos/location.hpp>
#include <picos/remote_task.hpp>
#include <picos/task.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace picos::net {

class ExportTable {
 public:
  ExportTable() = default;
  // Sets the Location written into references; call once before the first add().
  void set_origin(Location origin) { origin_ = std::move(origin); }

  // The reference of `task`, exporting it on first use. Throws std::invalid_argument for an empty handle.
  RemoteTask add(const Task& task);
  // Registers `task` under `name`; false when the name is taken by a live task.
  bool register_name(const std::string& name, const Task& task);
  bool unregister_name(const std::string& name);
  // The task registered under `name`, if it is alive.
  std::optional<RemoteTask> find_name(const std::string& name);
  // The live local task `reference` names; std::nullopt for another origin, an unknown id, a
  // wrong rid (forged or stale) or an ended task.
  std::optional<Task> resolve(const RemoteTask& reference);

 private:
  struct Entry {
    Task task;
    RemoteTask reference;
  };
  void drop_dead_locked();
  Location origin_;
  std::mutex mutex_;
  std::unordered_map<std::uint64_t, Entry> by_id_;
  std::map<std::string, std::uint64_t> names_;
  std::size_t adds_since_sweep_ = 0;
};

// A random 64-bit value (OpenSSL's CSPRNG), never 0.
[[nodiscard]] std::uint64_t random_u64();

}  // namespace picos::net
