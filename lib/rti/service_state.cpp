#include "rti/service_state.hpp"

#include "net/node_core.hpp"

#include <picos/errors.hpp>
#include <picos/receive.hpp>
#include <picos/this_task.hpp>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace picos::rti::detail {
namespace {

// The first message of every invocation's task: everything that must be in place before the
// function runs (its export, its monitors) is done by then. Local only, never serialized.
struct StartSignal {};

// A task waits this long for its start signal, which normally follows its spawn at once.
constexpr auto start_limit = std::chrono::seconds(60);
// Exception texts longer than this are not carried back (a status must fit in one frame).
constexpr std::size_t max_error_text = 16 * 1024;
// How much of an over-long text or a caller's signature is quoted in an error.
constexpr std::size_t quoted_length = 200;

std::string quoted(std::string_view text) {
  if (text.size() <= quoted_length) return std::string(text);
  return std::string(text.substr(0, quoted_length)) + "...";
}

// "tuple<i32,string>" reads better as "(i32,string)".
std::string readable(std::string_view signature) {
  constexpr std::string_view prefix = "tuple<";
  if (signature.starts_with(prefix) && signature.ends_with('>')) {
    signature.remove_prefix(prefix.size());
    signature.remove_suffix(1);
    // Appended, not `"(" + string`: that form trips a false -Wrestrict in g++ 12 at -O3.
    std::string text(1, '(');
    text += quoted(signature);
    text += ')';
    return text;
  }
  return quoted(signature);
}

CallReply refused(CallFailure failure, std::string error) {
  CallReply reply;
  reply.outcome = static_cast<std::uint8_t>(failure);
  reply.error = std::move(error);
  return reply;
}

}  // namespace

// Counts an invocation as running from before its task exists until the task's body is
// destroyed, which the core does when the task ends (or never ran), before its monitors learn of
// the end: a caller told of the end can start the next call without meeting `busy`.
class ServiceState::RunningSlot {
 public:
  explicit RunningSlot(std::shared_ptr<ServiceState> state) noexcept : state_(std::move(state)) {}
  RunningSlot(RunningSlot&&) noexcept = default;
  RunningSlot& operator=(RunningSlot&&) = delete;
  RunningSlot(const RunningSlot&) = delete;
  RunningSlot& operator=(const RunningSlot&) = delete;
  ~RunningSlot() {
    if (!state_) return;
    std::lock_guard lock(state_->mutex_);
    --state_->running_;
  }

 private:
  std::shared_ptr<ServiceState> state_;
};

ServiceState::ServiceState(ServiceReference service, Binder binder, std::string parameters, std::string result,
                           const ServiceOptions& options, Scheduler& scheduler, std::size_t max_result_size)
    : reference(std::move(service)),
      signature(std::move(parameters)),
      result_type(std::move(result)),
      binder_(std::move(binder)),
      max_running_(options.max_running),
      max_monitors_(options.max_monitors),
      max_result_size_(max_result_size),
      stack_size_(options.stack_size),
      scheduler_(scheduler) {}

CallReply ServiceState::start(picos::detail::NodeCore& core, const std::string& called_signature,
                              std::span<const std::byte> arguments, const RemoteTask& result_monitor) {
  const std::string& name = reference.name;
  if (called_signature != signature) {
    return refused(CallFailure::bad_arguments, "picos: service " + name + " takes " + readable(signature) +
                                                   " but was called with " + readable(called_signature));
  }
  std::unique_ptr<Job> job;
  try {
    job = binder_(arguments);
  } catch (const std::exception& error) {
    return refused(CallFailure::bad_arguments, "picos: the arguments for service " + name + " " +
                                                   readable(signature) + " do not decode: " + quoted(error.what()));
  } catch (const TaskTerminateUnwind&) {
    throw;
  } catch (...) {
    // A user type's load() may throw anything; it must not take the peer's connection down.
    return refused(CallFailure::bad_arguments, "picos: the arguments for service " + name + " " +
                                                   readable(signature) + " do not decode (a non-standard exception)");
  }
  {
    std::lock_guard lock(mutex_);
    if (!open_) return refused(CallFailure::no_service, "picos: service " + name + " is closed");
    if (running_ >= max_running_) {
      return refused(CallFailure::busy, "picos: service " + name + " already runs " + std::to_string(running_) +
                                            " invocations (its max_running)");
    }
    ++running_;
  }
  RunningSlot slot(shared_from_this());
  Task task;
  try {
    TaskOptions task_options;
    task_options.name = name;
    task_options.stack_size = stack_size_;
    task = scheduler_.spawn(std::move(task_options),
                            [self = shared_from_this(), job = std::move(job), slot = std::move(slot)]() -> Message {
                              if (!this_task::receive_as<StartSignal>(start_limit)) {
                                throw std::runtime_error("picos: the invocation was never started");
                              }
                              return self->run_invocation(*job);
                            });
  } catch (const std::exception& error) {
    return refused(CallFailure::unavailable, "picos: service " + name + " cannot start a task: " + error.what());
  }
  try {
    const RemoteTask started = core.exports.add(task);
    std::vector<RemoteTask> monitors;
    {
      std::lock_guard lock(mutex_);
      if (open_) {
        if (live_.size() >= max_running_) std::erase_if(live_, [](const Task& t) { return !t.is_alive(); });
        live_.push_back(task);
        monitors = monitors_;
      }
    }
    if (!is_open()) {
      task.terminate();
      return refused(CallFailure::no_service, "picos: service " + name + " is closed");
    }
    if (result_monitor.valid() && core.accept_monitor(started, result_monitor) != 1) {
      task.terminate();
      return refused(CallFailure::unavailable, "picos: the caller's result waiter for " + name + " has ended");
    }
    // A monitor that has ended meanwhile is simply not told.
    for (const RemoteTask& monitor : monitors) (void)core.accept_monitor(started, monitor);
    task.send(Message(StartSignal{}));
    CallReply reply;
    reply.task = started;
    return reply;
  } catch (const std::exception& error) {
    task.terminate();
    return refused(CallFailure::unavailable, "picos: service " + name + " cannot start a task: " + error.what());
  }
}

Message ServiceState::run_invocation(Job& job) const {
  Message result;
  try {
    result = job.run();
  } catch (const std::exception& error) {
    const std::size_t length = std::strlen(error.what());
    if (length <= max_error_text) throw;
    throw std::length_error("picos: the " + type_name(typeid(error)) + " thrown by service " + reference.name +
                            " has a text of " + std::to_string(length) + " bytes, too long to report; it begins: " +
                            quoted(error.what()));
  }
  if (!result.empty()) {
    const std::size_t size = serialize(result).size();
    if (size > max_result_size_) {
      throw std::length_error("picos: the result of service " + reference.name + " takes " + std::to_string(size) +
                              " bytes, more than its max_result_size of " + std::to_string(max_result_size_));
    }
  }
  return result;
}

MonitorReply ServiceState::add_monitor(const RemoteTask& monitor) {
  MonitorReply reply;
  std::lock_guard lock(mutex_);
  if (!open_) {
    reply.outcome = static_cast<std::uint8_t>(CallFailure::no_service);
    reply.error = "picos: service " + reference.name + " is closed";
  } else if (std::find(monitors_.begin(), monitors_.end(), monitor) != monitors_.end()) {
    return reply;
  } else if (monitors_.size() >= max_monitors_) {
    reply.outcome = static_cast<std::uint8_t>(CallFailure::busy);
    reply.error = "picos: service " + reference.name + " has " + std::to_string(monitors_.size()) +
                  " monitors already (its max_monitors)";
  } else {
    monitors_.push_back(monitor);
  }
  return reply;
}

void ServiceState::close() {
  std::vector<Task> live;
  {
    std::lock_guard lock(mutex_);
    if (!open_) return;
    open_ = false;
    live.swap(live_);
    monitors_.clear();
  }
  for (const Task& task : live) task.terminate();
}

bool ServiceState::is_open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

std::size_t ServiceState::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

}  // namespace picos::rti::detail
