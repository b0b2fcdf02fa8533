#include "net/exports.hpp"

#include "net/crypto.hpp"

#include <stdexcept>

namespace picos::net {
namespace {
// Ended tasks are swept every this many exports, so the table cannot grow with dead entries.
constexpr std::size_t sweep_every = 256;
}  // namespace

std::uint64_t random_u64() {
  std::uint64_t value = 0;
  while (value == 0) {
    fill_random(std::as_writable_bytes(std::span(&value, 1)));
  }
  return value;
}

RemoteTask ExportTable::add(const Task& task) {
  if (!task.valid()) throw std::invalid_argument("picos: cannot export an empty task handle");
  std::lock_guard lock(mutex_);
  if (auto found = by_id_.find(task.id()); found != by_id_.end()) return found->second.reference;
  if (++adds_since_sweep_ >= sweep_every) {
    adds_since_sweep_ = 0;
    drop_dead_locked();
  }
  RemoteTask reference{task.name(), task.id(), random_u64(), origin_};
  by_id_.emplace(task.id(), Entry{task, reference});
  return reference;
}

bool ExportTable::register_name(const std::string& name, const Task& task) {
  if (name.empty()) throw std::invalid_argument("picos: a registered task name must not be empty");
  const RemoteTask reference = add(task);
  std::lock_guard lock(mutex_);
  if (auto taken = names_.find(name); taken != names_.end()) {
    auto entry = by_id_.find(taken->second);
    if (entry != by_id_.end() && entry->second.task.is_alive()) return false;
  }
  names_[name] = reference.id;
  return true;
}

bool ExportTable::unregister_name(const std::string& name) {
  std::lock_guard lock(mutex_);
  return names_.erase(name) != 0;
}

std::optional<RemoteTask> ExportTable::find_name(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto taken = names_.find(name);
  if (taken == names_.end()) return std::nullopt;
  auto entry = by_id_.find(taken->second);
  if (entry == by_id_.end() || !entry->second.task.is_alive()) {
    names_.erase(taken);
    return std::nullopt;
  }
  return entry->second.reference;
}

std::optional<Task> ExportTable::resolve(const RemoteTask& reference) {
  if (reference.origin != origin_) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto entry = by_id_.find(reference.id);
  if (entry == by_id_.end() || entry->second.reference.rid != reference.rid) return std::nullopt;
  if (!entry->second.task.is_alive()) {
    by_id_.erase(entry);
    return std::nullopt;
  }
  return entry->second.task;
}

void ExportTable::drop_dead_locked() {
  for (auto it = by_id_.begin(); it != by_id_.end();) {
    it = it->second.task.is_alive() ? std::next(it) : by_id_.erase(it);
  }
  for (auto it = names_.begin(); it != names_.end();) {
    it = by_id_.contains(it->second) ? std::next(it) : names_.erase(it);
  }
}

}  // namespace picos::net
