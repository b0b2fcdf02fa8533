// Invocation: waiting for a started task's end, and RemoteError.
#include "rti/invocation_state.hpp"

#include "net/node_core.hpp"

#include <picos/errors.hpp>
#include <picos/this_task.hpp>

#include <optional>

namespace picos::rti {
namespace detail {
namespace {

// Forgets the waiter's watch on the service's node (remembered by the caller before it sent the
// call, so a link lost at any time is reported) when the waiter ends, however it ends.
class WatchRelease {
 public:
  WatchRelease(picos::detail::NodeCore& core, RemoteTask watched)
      : core_(core), watched_(std::move(watched)), waiter_(this_task::current()) {}
  WatchRelease(const WatchRelease&) = delete;
  WatchRelease& operator=(const WatchRelease&) = delete;
  ~WatchRelease() { core_.forget_remote_monitor(watched_, waiter_); }

 private:
  picos::detail::NodeCore& core_;
  RemoteTask watched_;
  Task waiter_;
};

}  // namespace

Task start_result_waiter(picos::detail::NodeCore& core, const RemoteTask& watched, bool watch_link) {
  return core.spawn_daemon("rti-result", [&core, watched, watch_link]() -> Message {
    std::optional<WatchRelease> release;
    if (watch_link) release.emplace(core, watched);
    for (;;) {
      Message message = this_task::receive();
      if (auto* status = message.get_if<RemoteMonitorStatus>()) return Message(std::move(*status));
    }
  });
}

}  // namespace detail

const RemoteTask& Invocation::task() const noexcept { return state_->task; }

RemoteMonitorStatus Invocation::wait(Timeout timeout) const {
  RemoteMonitorStatus status;
  try {
    status = picos::detail::await_task(state_->waiter, timeout).get<RemoteMonitorStatus>();
  } catch (const TaskTerminatedError&) {
    // The waiter is only terminated with its node.
    status.kind = RemoteMonitorStatus::Kind::unreachable;
    status.error_message = "picos: the local node was closed before the task ended";
  }
  if (status.kind == RemoteMonitorStatus::Kind::unreachable) status.task = state_->task;
  return status;
}

namespace {

std::string describe(const RemoteMonitorStatus& status) {
  std::string text = "picos: remote task " + status.task.to_string() + " " + to_string(status.kind);
  if (!status.error_type.empty()) text += " with " + status.error_type;
  if (!status.error_message.empty()) text += ": " + status.error_message;
  return text;
}

}  // namespace

RemoteError::RemoteError(RemoteMonitorStatus status) : std::runtime_error(describe(status)), status_(std::move(status)) {}

}  // namespace picos::rti
