#include "rti/service_table.hpp"

namespace picos::rti::detail {

std::shared_ptr<ServiceTable> make_service_table() { return std::make_shared<ServiceTable>(); }

bool ServiceTable::add(const std::shared_ptr<ServiceState>& service) {
  std::lock_guard lock(mutex_);
  auto& slot = by_name_[service->reference.name];
  if (slot && slot->is_open()) return false;
  slot = service;
  return true;
}

void ServiceTable::remove(const ServiceState& service) {
  std::lock_guard lock(mutex_);
  auto found = by_name_.find(service.reference.name);
  if (found != by_name_.end() && found->second.get() == &service) by_name_.erase(found);
}

std::shared_ptr<ServiceState> ServiceTable::find(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto found = by_name_.find(name);
  if (found == by_name_.end() || !found->second->is_open()) return nullptr;
  return found->second;
}

std::shared_ptr<ServiceState> ServiceTable::resolve(const ServiceReference& reference) const {
  std::shared_ptr<ServiceState> service = find(reference.name);
  if (!service || service->reference.id != reference.id || service->reference.rid != reference.rid) return nullptr;
  return service;
}

}  // namespace picos::rti::detail
