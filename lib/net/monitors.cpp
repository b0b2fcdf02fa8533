// Monitoring across nodes: the relay task that watches local tasks for remote monitors, and the
// delivery of their end to the monitors.
#include "net/node_core.hpp"
#include "net/wire.hpp"

#include <picos/log.hpp>
#include <picos/this_task.hpp>

#include <stdexcept>
#include <string>

namespace picos::detail {
namespace {

RemoteMonitorStatus::Kind remote_kind(MonitorStatus::Kind kind) {
  switch (kind) {
    case MonitorStatus::Kind::finished: return RemoteMonitorStatus::Kind::finished;
    case MonitorStatus::Kind::failed: return RemoteMonitorStatus::Kind::failed;
    case MonitorStatus::Kind::terminated: return RemoteMonitorStatus::Kind::terminated;
  }
  return RemoteMonitorStatus::Kind::failed;
}

}  // namespace

std::int32_t NodeCore::accept_monitor(const RemoteTask& target, const RemoteTask& monitor) {
  const std::optional<Task> task = exports.resolve(target);
  if (!task) return -1;
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    auto& [reference, monitors] = served_monitors_[task->id()];
    reference = target;
    if (std::find(monitors.begin(), monitors.end(), monitor) != monitors.end()) return 1;
    first = monitors.empty();
    monitors.push_back(monitor);
  }
  // One local monitor (the relay) per watched task, however many remote monitors it has.
  if (first && !relay_.monitor(*task)) {
    std::lock_guard lock(mutex_);
    served_monitors_.erase(task->id());
    return -1;
  }
  return 1;
}

void NodeCore::run_monitor_relay() {
  for (;;) {
    Message message = this_task::receive();
    auto* status = message.get_if<MonitorStatus>();
    if (status == nullptr) continue;
    RemoteTask target;
    std::vector<RemoteTask> monitors;
    {
      std::lock_guard lock(mutex_);
      if (auto found = served_monitors_.find(status->task.id()); found != served_monitors_.end()) {
        target = std::move(found->second.first);
        monitors = std::move(found->second.second);
        served_monitors_.erase(found);
      }
    }
    if (monitors.empty()) continue;
    const MonitorStatus::Kind kind = status->kind;
    MonitorStatus wire = std::move(*status);
    wire.task = Task{};
    wire.error = nullptr;
    Bytes encoded;
    try {
      encoded = serialize(Message(std::move(wire)));
    } catch (const std::exception& error) {
      log(LogLevel::error, "picos: cannot encode the end of ", target, " for its monitors: ", error.what());
      continue;
    }
    for (const RemoteTask& monitor : monitors) route_monitor_status(target, monitor, encoded, kind);
  }
}

void NodeCore::route_monitor_status(const RemoteTask& target, const RemoteTask& monitor, Bytes status,
                                    MonitorStatus::Kind kind) {
  if (monitor.origin == self.location) {
    accept_monitor_status(target, monitor, status);
    return;
  }
  Bytes frame;
  try {
    frame = net::encode_frame(net::FrameKind::monitor_status,
                              net::encode_payload(net::MonitorStatusPayload{target, monitor, std::move(status)}),
                              options.max_frame_size);
  } catch (const std::length_error&) {
    // A value too big for one frame must not end the relay (and with it every remote monitor of
    // this node): the monitor still learns how the task ended, with the value left out.
    log(LogLevel::warning, "picos: the value of ", target, " does not fit in a frame; its monitor ", monitor,
        " gets the status without it");
    MonitorStatus stripped;
    stripped.kind = kind;
    stripped.error_type = "std::length_error";
    stripped.error_message = "the task's value is larger than the peer frame limit (" +
                             std::to_string(options.max_frame_size) + " bytes) and was not sent";
    try {
      frame = net::encode_frame(
          net::FrameKind::monitor_status,
          net::encode_payload(net::MonitorStatusPayload{target, monitor, serialize(Message(std::move(stripped)))}),
          options.max_frame_size);
    } catch (const std::exception& error) {
      log(LogLevel::error, "picos: cannot tell monitor ", monitor, " of the end of ", target, ": ", error.what());
      return;
    }
  }
  if (!queue_frame(monitor.origin, frame)) {
    log(LogLevel::info, "picos: monitor ", monitor, " of ", target, " is on a node that is offline");
  }
}

void NodeCore::accept_monitor_status(const RemoteTask& target, const RemoteTask& monitor,
                                     std::span<const std::byte> status) {
  const std::optional<Task> task = exports.resolve(monitor);
  if (!task) return;
  forget_remote_monitor(target, *task);
  RemoteMonitorStatus out;
  out.task = target;
  try {
    Message decoded = deserialize(status);
    auto* local = decoded.get_if<MonitorStatus>();
    if (local == nullptr) throw SerializationError("picos: a monitor status frame holds " + type_name(decoded.type()));
    out.kind = remote_kind(local->kind);
    out.value = std::move(local->value);
    out.error_type = std::move(local->error_type);
    out.error_message = std::move(local->error_message);
  } catch (const SerializationError& error) {
    out.kind = RemoteMonitorStatus::Kind::failed;
    out.error_type = "picos::SerializationError";
    out.error_message = error.what();
  }
  task->send(Message(std::move(out)));
}

}  // namespace picos::detail
