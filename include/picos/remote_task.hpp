#pragma once
/// @file remote_task.hpp
/// References to tasks of other processes, and the messages the network layer sends to local
/// tasks about remote ones (monitor results, peer status).

#include <picos/location.hpp>
#include <picos/message.hpp>
#include <picos/task.hpp>

#include <cstdint>
#include <iosfwd>
#include <string>

namespace picos {

/// A reference to a task exported by a Node (see Node::export_task(), Node::register_task(),
/// Node::locate()): the task's name, its id in its process, a random `rid` chosen when it was
/// exported and the Location of its node. The receiving node refuses a reference whose (id, rid)
/// does not name a live exported task, so stale references (the task ended) and forged ones
/// (guessed ids) are rejected. A value type; serializable (wire name "picos.remote_task"), so it
/// can be sent inside messages, e.g. as a reply address.
struct RemoteTask {
  std::string name;       ///< the task's name when it was exported
  std::uint64_t id = 0;   ///< the task's id in its process
  std::uint64_t rid = 0;  ///< random guard chosen at export
  Location origin;        ///< the node the task runs on

  /// True when it refers to something (id != 0).
  [[nodiscard]] bool valid() const noexcept { return id != 0; }
  /// `name/id@host:port`, as pycos prints remote tasks.
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const RemoteTask& a, const RemoteTask& b) noexcept {
    return a.id == b.id && a.rid == b.rid && a.origin == b.origin;
  }
};

/// cereal serialization (free functions, see Location).
template <class Archive>
void save(Archive& archive, const RemoteTask& task) {
  archive(task.name, task.id, task.rid, task.origin);
}
template <class Archive>
void load(Archive& archive, RemoteTask& task) {
  archive(task.name, task.id, task.rid, task.origin);
}

/// Writes to_string().
std::ostream& operator<<(std::ostream& out, const RemoteTask& task);

/// What a local task receives when a remote task it monitors (Node::monitor()) ends, or when the
/// node of that task can no longer be reached.
struct RemoteMonitorStatus {
  enum class Kind : std::uint8_t {
    finished,     ///< returned normally; `value` holds the return value (when serializable)
    failed,       ///< an exception escaped; error_type / error_message describe it
    terminated,   ///< terminated at its node (Task::terminate() or scheduler shutdown)
    unreachable,  ///< its node went offline (closed, crashed, or missed its heartbeats)
  };
  RemoteTask task;            ///< the monitored task
  Kind kind = Kind::finished;
  Message value;              ///< return value (finished)
  std::string error_type;     ///< exception type name (failed)
  std::string error_message;  ///< what() of the exception, or why the node is unreachable
};

/// "finished", "failed", "terminated" or "unreachable".
[[nodiscard]] const char* to_string(RemoteMonitorStatus::Kind kind) noexcept;

/// What a task subscribed with Node::peer_status() receives when a peer comes online or goes
/// offline.
struct PeerStatus {
  enum class Status : std::uint8_t { online, offline };
  Location location;  ///< the peer's location
  std::string name;   ///< the peer's node name
  Status status = Status::online;
};

}  // namespace picos
