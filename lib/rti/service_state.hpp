#pragma once
// The state of one registered service, shared by its picos::rti::Service, the node's service
// table and its running invocations. Thread-safe: calls are started from the network thread (for
// peers) or any caller's thread (on the same node), invocations end on the service's scheduler.

#include "rti/rti_wire.hpp"

#include <picos/rti.hpp>
#include <picos/scheduler.hpp>

#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace picos::detail {
class NodeCore;
}

namespace picos::rti::detail {

class ServiceState : public std::enable_shared_from_this<ServiceState> {
 public:
  ServiceState(ServiceReference reference, Binder binder, std::string signature, std::string result_type,
               const ServiceOptions& options, Scheduler& scheduler, std::size_t max_result_size);
  ServiceState(const ServiceState&) = delete;
  ServiceState& operator=(const ServiceState&) = delete;

  const ServiceReference reference;
  const std::string signature;
  const std::string result_type;

  // Checks and decodes the arguments, starts a task running the function and makes
  // `result_monitor` (when valid) and the service's monitors monitors of it before it runs.
  // Never throws (a refusal is a reply); request_id is left 0.
  CallReply start(picos::detail::NodeCore& core, const std::string& called_signature,
                  std::span<const std::byte> arguments, const RemoteTask& result_monitor);
  // Adds a monitor of every later invocation; request_id is left 0.
  MonitorReply add_monitor(const RemoteTask& monitor);
  // Refuses later calls and terminates the running invocations. Idempotent.
  void close();
  bool is_open() const;
  std::size_t running() const;

 private:
  class RunningSlot;
  Message run_invocation(Job& job) const;

  const Binder binder_;
  const std::size_t max_running_;
  const std::size_t max_monitors_;
  const std::size_t max_result_size_;
  const std::size_t stack_size_;
  Scheduler& scheduler_;

  mutable std::mutex mutex_;
  bool open_ = true;
  std::size_t running_ = 0;
  // Handles of the invocations started (ended ones are pruned as it grows), for close().
  std::vector<Task> live_;
  std::vector<RemoteTask> monitors_;
};

}  // namespace picos::rti::detail
