#pragma once
/// @file hotswap.hpp
/// Hot swapping: replacing the function a running task executes (pycos's hot_swap).
///
/// hot_swap(task, fn, args...) asks `task` to continue with `fn(args...)`. The request is thrown
/// into the task as a picos::HotSwap exception only when
///   (a) the task has declared itself hot-swappable (this_task::set_hot_swappable()), and
///   (b) it is at a suspension point without pending I/O: in this_task::suspend()/sleep(),
///       receive() (any form) or yield() — never in a sync, join, deliver or I/O wait.
/// Otherwise the request waits until both hold (the newest request replaces an older pending
/// one). A task sleeping or receiving when the request arrives is woken for it.
///
/// The task decides: it may catch HotSwap, look at it (name()), save state (e.g. send itself
/// messages) and either continue (refuse: the request is gone) or rethrow (accept). When HotSwap
/// leaves the task's function, the old function is unwound (destructors run), the new one starts
/// from the beginning on the same task, the mailbox is kept, and the task takes the new name
/// (when one was given). HotSwap does not derive from std::exception, so `catch (const
/// std::exception&)` does not swallow it; a `catch (...)` must rethrow it to accept.

#include <picos/scheduler.hpp>
#include <picos/task.hpp>

#include <concepts>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace picos {

namespace detail {
struct HotSwapRequest;
// Queues the request on the task's scheduler. False when the task has ended.
bool request_hot_swap(const Task& task, std::optional<std::string> name, std::unique_ptr<Runnable> body);
}  // namespace detail

/// The request thrown into a task by hot_swap(). Rethrow it to accept; catch and continue to refuse.
class HotSwap {
 public:
  /// Made by the library when it raises a request in a task; never throws.
  explicit HotSwap(std::shared_ptr<detail::HotSwapRequest> request) noexcept : request_(std::move(request)) {}
  /// The name the task takes on accepting, or an empty string when it keeps its name.
  [[nodiscard]] const std::string& name() const noexcept;

  /// For the library: the request itself.
  [[nodiscard]] const std::shared_ptr<detail::HotSwapRequest>& request() const noexcept { return request_; }

 private:
  std::shared_ptr<detail::HotSwapRequest> request_;
};

namespace this_task {
/// Declares whether the calling task accepts hot swap requests (initially not). Setting it lets a
/// postponed request be raised at the next suspension point. Never blocks. Throws WrongContext
/// from a plain thread.
void set_hot_swappable(bool swappable = true);
/// Whether the calling task is hot-swappable. Throws WrongContext from a plain thread.
[[nodiscard]] bool hot_swappable();
}  // namespace this_task

/// Asks `task` to replace its function with `fn(args...)` (arguments are decayed and stored until
/// the new function starts), keeping its name. Never blocks; thread-safe. Returns false when
/// the task has ended (from another thread: when it had ended when the request was queued).
/// Throws std::bad_alloc.
template <class F, class... Args>
  requires std::invocable<std::decay_t<F>&, std::decay_t<Args>&...>
bool hot_swap(const Task& task, F&& fn, Args&&... args) {
  auto body = std::make_unique<detail::BoundRunnable<std::decay_t<F>, std::decay_t<Args>...>>(
      std::forward<F>(fn), std::forward<Args>(args)...);
  return detail::request_hot_swap(task, std::nullopt, std::move(body));
}

/// Same, and the task is renamed `name` when it accepts.
template <class F, class... Args>
  requires std::invocable<std::decay_t<F>&, std::decay_t<Args>&...>
bool hot_swap(const Task& task, std::string name, F&& fn, Args&&... args) {
  auto body = std::make_unique<detail::BoundRunnable<std::decay_t<F>, std::decay_t<Args>...>>(
      std::forward<F>(fn), std::forward<Args>(args)...);
  return detail::request_hot_swap(task, std::move(name), std::move(body));
}

}  // namespace picos
