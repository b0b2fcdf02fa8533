#pragma once
// The services one node offers, by name and by reference. Thread-safe.

#include "rti/service_state.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace picos::rti::detail {

class ServiceTable {
 public:
  // Adds `service` under its name; false when an open service has that name.
  bool add(const std::shared_ptr<ServiceState>& service);
  // Removes `service` (not another one registered under the same name since).
  void remove(const ServiceState& service);
  // The open service registered under `name`, or nullptr.
  [[nodiscard]] std::shared_ptr<ServiceState> find(const std::string& name) const;
  // The open service `reference` names (same id and rid; the origin is the caller's to check),
  // or nullptr for a closed, unknown or forged reference.
  [[nodiscard]] std::shared_ptr<ServiceState> resolve(const ServiceReference& reference) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<ServiceState>> by_name_;
};

}  // namespace picos::rti::detail
