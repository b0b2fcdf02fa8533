#pragma once
// The one table of poller backends compiled into this build: name, priority (the highest usable
// one is the default) and factory. Used by make_poller(), PICOS_POLLER and the tests.

#include "poller/poller.hpp"

#include <memory>
#include <span>

namespace picos::detail {

struct PollerBackend {
  const char* name;
  int priority;
  bool (*usable)();  // false when the running kernel lacks it (e.g. io_uring disabled)
  std::unique_ptr<Poller> (*create)(SchedulerCore& core);
};

[[nodiscard]] std::span<const PollerBackend> poller_backends() noexcept;

// Building blocks of the per-platform tables (backend_table*.cpp).
template <class Backend>
std::unique_ptr<Poller> create_backend(SchedulerCore& core) {
  return std::make_unique<Backend>(core);
}
inline bool always_usable() { return true; }

}  // namespace picos::detail
