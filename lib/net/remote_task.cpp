#include <picos/location.hpp>
#include <picos/remote_task.hpp>
#include <picos/serialization.hpp>

#include <ostream>

namespace picos {

PICOS_MESSAGE_TYPE(Location, "picos.location");
PICOS_MESSAGE_TYPE(RemoteTask, "picos.remote_task");

std::string Location::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::ostream& operator<<(std::ostream& out, const Location& location) { return out << location.to_string(); }

std::string RemoteTask::to_string() const { return name + "/" + std::to_string(id) + "@" + origin.to_string(); }

std::ostream& operator<<(std::ostream& out, const RemoteTask& task) { return out << task.to_string(); }

const char* to_string(RemoteMonitorStatus::Kind kind) noexcept {
  switch (kind) {
    case RemoteMonitorStatus::Kind::finished: return "finished";
    case RemoteMonitorStatus::Kind::failed: return "failed";
    case RemoteMonitorStatus::Kind::terminated: return "terminated";
    case RemoteMonitorStatus::Kind::unreachable: return "unreachable";
  }
  return "unknown";
}

}  // namespace picos
