#include "poller/backends.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace picos::detail {

std::unique_ptr<Poller> make_poller(SchedulerCore& core, std::string_view name) {
  if (name.empty()) {
    if (const char* chosen = std::getenv("PICOS_POLLER"); chosen != nullptr && *chosen != '\0') name = chosen;
  }
  const PollerBackend* best = nullptr;
  std::string available;
  for (const PollerBackend& backend : poller_backends()) {
    if (!backend.usable()) continue;
    if (!available.empty()) available += ", ";
    available += backend.name;
    if (name.empty() ? (best == nullptr || backend.priority > best->priority) : name == backend.name) best = &backend;
  }
  if (best == nullptr) {
    throw std::invalid_argument("picos: poller backend '" + std::string(name) +
                                "' is not available here; available: " + available);
  }
  return best->create(core);
}

}  // namespace picos::detail
