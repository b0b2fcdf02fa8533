#pragma once
// What an Invocation shares between its copies: the started task's reference and the local task
// that waits for its end (the "result waiter", a task on the node's network scheduler).

#include <picos/remote_task.hpp>
#include <picos/rti.hpp>
#include <picos/task.hpp>

namespace picos::detail {
class NodeCore;
}

namespace picos::rti {

struct Invocation::State {
  explicit State(Task result_waiter) : waiter(std::move(result_waiter)) {}
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  // Releases the waiter: the remote task goes on, its outcome is dropped here.
  ~State() { waiter.terminate(); }

  Task waiter;
  RemoteTask task;
};

namespace detail {

// Starts the task that waits for one RemoteMonitorStatus and returns it as its value. With
// `watch_link`, the caller remembers `watched` (a placeholder naming the service's node) as
// monitored by the waiter (NodeCore::remember_remote_monitor) before sending the call, so the
// waiter gets an `unreachable` status if that node goes offline; the waiter forgets it when it
// ends. A caller that gives the waiter up must forget it too (the waiter may not have run yet).
[[nodiscard]] Task start_result_waiter(picos::detail::NodeCore& core, const RemoteTask& watched, bool watch_link);

}  // namespace detail
}  // namespace picos::rti
