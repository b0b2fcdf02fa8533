// picos::rti::Service: registering a function on a node, and the small value types of rti.hpp.
#include <picos/rti.hpp>
#include <picos/scheduler.hpp>

#include "net/exports.hpp"
#include "net/node_core.hpp"
#include "rti/service_table.hpp"

#include <atomic>
#include <stdexcept>

namespace picos::rti {

PICOS_MESSAGE_TYPE(ServiceReference, "picos.rti.service");

namespace {

std::atomic<std::uint64_t> next_service_id{1};
// Room left in a frame for the monitor-status envelope around a result (references, names).
constexpr std::size_t status_envelope = 64 * 1024;

std::size_t result_limit(const ServiceOptions& options, std::size_t max_frame_size) {
  if (options.max_result_size == 0) {
    return max_frame_size > 2 * status_envelope ? max_frame_size - status_envelope : max_frame_size / 2;
  }
  if (options.max_result_size > max_frame_size) {
    throw std::invalid_argument("picos: ServiceOptions::max_result_size exceeds the node's max_frame_size");
  }
  return options.max_result_size;
}

}  // namespace

std::string ServiceReference::to_string() const {
  return name + "#" + std::to_string(id) + "@" + origin.to_string();
}

const char* to_string(CallFailure failure) noexcept {
  switch (failure) {
    case CallFailure::no_service: return "no_service";
    case CallFailure::bad_arguments: return "bad_arguments";
    case CallFailure::busy: return "busy";
    case CallFailure::unavailable: return "unavailable";
    case CallFailure::unreachable: return "unreachable";
  }
  return "unknown";
}

Service::Service(Node& node, std::string name, detail::Binder binder, std::string signature, std::string result_type,
                 ServiceOptions options)
    : node_(&node) {
  if (name.empty() || name.size() > max_service_name) {
    throw std::invalid_argument("picos: a service name must have 1 to " + std::to_string(max_service_name) + " bytes");
  }
  if (options.max_running == 0) throw std::invalid_argument("picos: ServiceOptions::max_running must be at least 1");
  picos::detail::NodeCore& core = node.core();
  const std::size_t max_result = result_limit(options, core.options.max_frame_size);
  Scheduler& scheduler = options.scheduler != nullptr ? *options.scheduler : Scheduler::current();
  ServiceReference reference{std::move(name), next_service_id++, net::random_u64(), core.self.location};
  auto state = std::make_shared<detail::ServiceState>(std::move(reference), std::move(binder), std::move(signature),
                                                      std::move(result_type), options, scheduler, max_result);
  if (!core.rti_services->add(state)) {
    throw std::invalid_argument("picos: a service named " + state->reference.name + " is already registered");
  }
  state_ = std::move(state);
  table_ = core.rti_services;
}

Service::~Service() { close(); }

Service::Service(Service&& other) noexcept
    : node_(other.node_), state_(std::move(other.state_)), table_(std::move(other.table_)) {}

Service& Service::operator=(Service&& other) noexcept {
  if (this != &other) {
    close();
    node_ = other.node_;
    state_ = std::move(other.state_);
    table_ = std::move(other.table_);
  }
  return *this;
}

const std::string& Service::name() const { return state_->reference.name; }

const ServiceReference& Service::reference() const { return state_->reference; }

const std::string& Service::signature() const { return state_->signature; }

const std::string& Service::result_type() const { return state_->result_type; }

std::size_t Service::running() const { return state_->running(); }

bool Service::is_open() const { return state_ && state_->is_open(); }

bool Service::monitor(const Task& task) {
  if (!task.valid()) throw std::invalid_argument("picos: Service::monitor() needs a task");
  const RemoteTask monitor = node_->core().exports.add(task);
  return state_->add_monitor(monitor).outcome == detail::outcome_ok;
}

void Service::close() {
  if (!state_) return;
  if (const auto table = table_.lock()) table->remove(*state_);
  state_->close();
}

}  // namespace picos::rti
