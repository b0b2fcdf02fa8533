// Hot swap: pending requests, raising them at suspension points, and accepting them.
#include "core/hot_swap_hooks.hpp"
#include "core/scheduler_core.hpp"

#include <picos/errors.hpp>
#include <picos/hotswap.hpp>

namespace picos {
namespace detail {

struct HotSwapRequest {
  std::string name;  // empty: keep the task's name
  bool rename = false;
  std::unique_ptr<Runnable> body;
};

namespace {

// Throws the task's pending request when it is hot-swappable; otherwise leaves it pending.
void raise_hot_swap(TaskControl& self) {
  if (!self.hot_swappable) return;
  self.interrupts &= static_cast<std::uint8_t>(~interrupt_hot_swap);
  if (!self.extras || !self.extras->hot_swap) return;
  auto request = std::static_pointer_cast<HotSwapRequest>(std::exchange(self.extras->hot_swap, nullptr));
  throw HotSwap(std::move(request));
}

// Turns a HotSwap that left the task's function into its new body.
Runnable* accept_hot_swap(TaskControl& self, const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const HotSwap& swap) {
    const std::shared_ptr<HotSwapRequest>& request = swap.request();
    if (!request || !request->body) return nullptr;
    if (request->rename) rename_task(self, request->name);
    return request->body.release();
  } catch (...) {
    return nullptr;
  }
}

void install_hooks() noexcept {
  hot_swap_raiser = &raise_hot_swap;
  hot_swap_acceptor = &accept_hot_swap;
}

// Installs the hooks when the library is loaded; request_hot_swap() does it again in case a
// static link dropped this initializer.
[[maybe_unused]] const bool hooks_installed = (install_hooks(), true);

// On the task's scheduler thread: records the request and wakes a task that can take it now.
bool apply_request(TaskControl* task, std::shared_ptr<HotSwapRequest> request) {
  if (task->state == TaskState::ended) return false;
  task->ensure_extras().hot_swap = std::move(request);
  task->interrupts |= interrupt_hot_swap;
  const bool swappable_wait = task->wait_kind == WaitKind::suspend || task->wait_kind == WaitKind::receive;
  if (task->state == TaskState::parked && task->hot_swappable && swappable_wait) {
    task->core->wake(task, WakeReason::interrupted);
  }
  return true;
}

}  // namespace

bool request_hot_swap(const Task& task, std::optional<std::string> name, std::unique_ptr<Runnable> body) {
  install_hooks();
  if (!task.is_alive()) return false;
  auto request = std::make_shared<HotSwapRequest>();
  request->rename = name.has_value();
  request->name = name.value_or(std::string());
  request->body = std::move(body);
  TaskControl* control = task.control();
  SchedulerCore* core = control->core;
  if (core->is_loop_thread()) return apply_request(control, std::move(request));
  try {
    core->post([task, request = std::move(request)]() mutable { apply_request(task.control(), std::move(request)); });
  } catch (const SchedulerStopped&) {
    return false;
  }
  return true;
}

}  // namespace detail

const std::string& HotSwap::name() const noexcept {
  static const std::string none;
  return request_ ? request_->name : none;
}

namespace this_task {

void set_hot_swappable(bool swappable) {
  detail::install_hooks();
  detail::SchedulerCore::require_task("this_task::set_hot_swappable()").hot_swappable = swappable;
}

bool hot_swappable() { return detail::SchedulerCore::require_task("this_task::hot_swappable()").hot_swappable; }

}  // namespace this_task
}  // namespace picos
