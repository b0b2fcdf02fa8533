#pragma once
/// @file rti.hpp
/// Remote task invocation (pycos's RTI): a node offers named functions that peers may run.
///
/// Server side, a picos::rti::Service registers a function under a name on a Node:
///
///     picos::rti::Service compute(node, "compute", [](int a, std::string b) -> double { ... });
///
/// Client side, locate() finds it by name at a peer (or on the same node) and call() runs it:
/// each call creates a task at the server that runs the function with the given arguments, and
/// returns an Invocation: the task's RemoteTask reference and a [B] wait for its end and result:
///
///     std::optional<picos::rti::RemoteService> service = picos::rti::locate(node, "compute", where, 5s);
///     picos::rti::Invocation run = service->call(5s, 1, std::string("x"));
///     double result = run.result<double>(30s);
///
/// Only registered functions can be run. Arguments travel as cereal values: the caller encodes
/// them with the types it passes (after Message's decay: a string literal is a std::string), the
/// server compares that signature with its function's parameter types (decayed) and decodes them
/// as untrusted input; a mismatch (count, types) or undecodable bytes refuse the call with a
/// CallError naming both signatures, and the server goes on serving. Every argument type and
/// the result type must be serializable (built in, or registered with PICOS_MESSAGE_TYPE /
/// register_message_type()); both processes must register the same names.
///
/// Calls marked [B] block like Node's: from a task they suspend only that task; from a plain
/// thread they block the thread. Each takes a timeout. The wire frames are described in
/// docs/protocol.md.

#include <picos/location.hpp>
#include <picos/message.hpp>
#include <picos/node.hpp>
#include <picos/remote_task.hpp>
#include <picos/serialization.hpp>
#include <picos/task.hpp>
#include <picos/timeout.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace picos {
class Scheduler;
}

namespace picos::rti {

/// Names of services are at most this many bytes.
inline constexpr std::size_t max_service_name = 255;

/// A reference to a service offered by a node: its name, an id unique in its process, a random
/// `rid` chosen when it was registered, and the Location of its node. A node refuses calls whose
/// (id, rid) does not name one of its open services, so a reference to a closed service (also one
/// registered again under the same name) or a forged one fails cleanly. A value type; serializable
/// (wire name "picos.rti.service"), so it can travel inside messages.
struct ServiceReference {
  std::string name;       ///< the name it was registered under
  std::uint64_t id = 0;   ///< unique among the services of its process
  std::uint64_t rid = 0;  ///< random guard chosen at registration
  Location origin;        ///< the node offering it

  /// True when it refers to something (id != 0).
  [[nodiscard]] bool valid() const noexcept { return id != 0; }
  /// `name#id@host:port`.
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const ServiceReference& a, const ServiceReference& b) noexcept {
    return a.id == b.id && a.rid == b.rid && a.origin == b.origin;
  }
};

/// cereal serialization (free functions, as for Location).
template <class Archive>
void save(Archive& archive, const ServiceReference& service) {
  archive(service.name, service.id, service.rid, service.origin);
}
template <class Archive>
void load(Archive& archive, ServiceReference& service) {
  archive(service.name, service.id, service.rid, service.origin);
}

/// Why a call did not start a task.
enum class CallFailure : std::uint8_t {
  no_service = 1,     ///< no open service with that reference (closed, never existed, forged)
  bad_arguments = 2,  ///< the arguments do not match the function's parameters, or do not decode
  busy = 3,           ///< the service runs ServiceOptions::max_running invocations already
  unavailable = 4,    ///< the service could not start a task (its scheduler has stopped)
  unreachable = 5,    ///< the service's node is not a peer, or went offline during the call
};

/// "no_service", "bad_arguments", "busy", "unavailable" or "unreachable".
[[nodiscard]] const char* to_string(CallFailure failure) noexcept;

/// Thrown by RemoteService::call() when no task was started; what() gives the reason in words
/// (for bad_arguments: the function's signature and the one it was called with).
class CallError : public std::runtime_error {
 public:
  /// A call refused for `failure`, explained by `what`.
  CallError(CallFailure failure, const std::string& what) : std::runtime_error(what), failure_(failure) {}
  /// Which kind of failure.
  [[nodiscard]] CallFailure failure() const noexcept { return failure_; }

 private:
  CallFailure failure_;
};

/// Thrown by Invocation::result() when the remote task did not return normally: it failed (an
/// exception escaped the function; error_type() and error_message() describe it), was
/// terminated (Service::close()), or its node became unreachable before it ended.
class RemoteError : public std::runtime_error {
 public:
  /// The error for a task that ended as `status` says (failed, terminated or unreachable); what()
  /// names the kind and the reason.
  explicit RemoteError(RemoteMonitorStatus status);
  /// failed, terminated or unreachable.
  [[nodiscard]] RemoteMonitorStatus::Kind kind() const noexcept { return status_.kind; }
  /// The exception's type name at the server (failed), e.g. "std::runtime_error".
  [[nodiscard]] const std::string& error_type() const noexcept { return status_.error_type; }
  /// The exception's what() (failed), or why the node is unreachable.
  [[nodiscard]] const std::string& error_message() const noexcept { return status_.error_message; }
  /// The remote task.
  [[nodiscard]] const RemoteTask& task() const noexcept { return status_.task; }

 private:
  RemoteMonitorStatus status_;
};

/// Settings of a Service.
struct ServiceOptions {
  /// Most invocations running at once; a call beyond it fails with CallFailure::busy. At least 1.
  std::size_t max_running = 1000;
  /// Most monitors (Service::monitor(), RemoteService::monitor()); more are refused.
  std::size_t max_monitors = 64;
  /// Largest serialized result, in bytes; a bigger result makes the invocation fail with a
  /// std::length_error. 0: the node's max_frame_size less 64 KiB for the status envelope.
  std::size_t max_result_size = 0;
  /// Where invocations run; nullptr: the scheduler current when the Service is created
  /// (Scheduler::current(): from a plain thread, the default scheduler).
  Scheduler* scheduler = nullptr;
  /// Stack size of each invocation's task in bytes; 0: the scheduler's default.
  std::size_t stack_size = 0;
};

namespace detail {

class ServiceState;
class ServiceTable;

// A bound invocation: the function with its decoded arguments.
class Job {
 public:
  Job() = default;
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;
  virtual ~Job() = default;
  virtual Message run() = 0;
};

// Decodes untrusted argument bytes into a Job; throws on any mismatch.
using Binder = std::function<std::unique_ptr<Job>(std::span<const std::byte>)>;

// The parameter and result types of a callable with one (non-template) call operator, a function
// pointer or a std::function.
template <class Function>
struct FunctionTraits;
template <class R, class... Args>
struct FunctionTraits<std::function<R(Args...)>> {
  static_assert(!(std::is_pointer_v<std::decay_t<Args>> || ...),
                "picos::rti: service parameters are values decoded at the server; pointers cannot be");
  using Result = R;
  using Arguments = std::tuple<std::decay_t<Args>...>;
};
template <class F>
using TraitsOf = FunctionTraits<decltype(std::function{std::declval<F>()})>;

// The wire signature of a tuple of argument types, e.g. "tuple<i32,string>".
template <class Tuple>
std::string signature_of() {
  return message_type_name<Tuple>();
}

// The wire name of a result type ("void" for none).
template <class R>
std::string result_type_of() {
  if constexpr (std::is_void_v<R>) {
    return "void";
  } else {
    return message_type_name<R>();
  }
}

// Each element in turn (not the tuple itself, whose cereal name-value wrappers would compete with
// picos's Message conversion).
template <class Tuple>
Bytes encode_arguments(const Tuple& arguments) {
  std::ostringstream stream(std::ios::binary);
  {
    cereal::PortableBinaryOutputArchive archive(stream);
    std::apply([&archive](const auto&... element) { (archive(element), ...); }, arguments);
  }
  const std::string buffer = std::move(stream).str();
  const auto* first = reinterpret_cast<const std::byte*>(buffer.data());
  return Bytes(first, first + buffer.size());
}

// Untrusted input: throws SerializationError on malformed, truncated or over-long bytes.
template <class Tuple>
Tuple decode_arguments(std::span<const std::byte> bytes) {
  Tuple arguments{};
  try {
    BoundedInputArchive archive(bytes);
    std::apply([&archive](auto&... element) { (archive(element), ...); }, arguments);
    if (archive.remaining() != 0) throw SerializationError("picos: trailing bytes after the arguments");
  } catch (const cereal::Exception& error) {
    throw SerializationError(std::string("picos: malformed arguments: ") + error.what());
  }
  return arguments;
}

template <class F, class Tuple, class R>
class BoundJob final : public Job {
 public:
  BoundJob(std::shared_ptr<F> function, Tuple arguments)
      : function_(std::move(function)), arguments_(std::move(arguments)) {}
  Message run() override {
    if constexpr (std::is_void_v<R>) {
      std::apply(*function_, std::move(arguments_));
      return Message{};
    } else {
      return Message(std::apply(*function_, std::move(arguments_)));
    }
  }

 private:
  std::shared_ptr<F> function_;
  Tuple arguments_;
};

}  // namespace detail

/// A named function offered to peers (pycos's RTI on the server side). Creating it registers it on
/// the node; destroying it (or close()) unregisters it and terminates its running invocations.
/// Each call runs the function in a new task on ServiceOptions::scheduler; that task's name is the
/// service's name, and it may use every task call (receive messages sent to its RemoteTask,
/// sleep, do I/O...); calls interleave on that scheduler like any tasks. Members may be called
/// from any thread or task. Movable, not copyable; a moved-from Service may only be destroyed or
/// assigned to. Must be destroyed before its Node and its scheduler, except that the destructor
/// alone may run after the Node.
class Service {
 public:
  /// Registers `function` under `name` on `node`. `function` is a callable with one call operator
  /// (not a template), a function pointer or a std::function; its parameters are taken by value
  /// after decay (so `const std::string&` is received as a std::string) and must be
  /// default-constructible and serializable, like its result (or void). Never blocks.
  /// Throws std::invalid_argument when the name is empty, longer than max_service_name or taken
  /// by an open service of this node, or the options are invalid; SerializationError naming the
  /// type when a parameter or result type is not registered.
  template <class F>
  Service(Node& node, std::string name, F function, ServiceOptions options = {})
      : Service(node, std::move(name), make_binder<F>(std::move(function)),
                detail::signature_of<typename detail::TraitsOf<F>::Arguments>(),
                detail::result_type_of<typename detail::TraitsOf<F>::Result>(), std::move(options)) {}
  /// close(). Never blocks.
  ~Service();
  Service(Service&& other) noexcept;
  Service& operator=(Service&& other) noexcept;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// The name it is registered under.
  [[nodiscard]] const std::string& name() const;
  /// Its reference (what locate() finds).
  [[nodiscard]] const ServiceReference& reference() const;
  /// The wire signature of its parameters, e.g. "tuple<i32,string>".
  [[nodiscard]] const std::string& signature() const;
  /// The wire name of its result type ("void" when it returns nothing).
  [[nodiscard]] const std::string& result_type() const;
  /// Invocations running now (started and not ended). Never blocks.
  [[nodiscard]] std::size_t running() const;
  /// True until close().
  [[nodiscard]] bool is_open() const;

  /// Makes the local `task` a monitor of every invocation started from now on (pycos's
  /// RTI.monitor): at each one's end it receives a RemoteMonitorStatus (finished with the value,
  /// failed with the exception's type and text, or terminated) whose `task` is the invocation.
  /// False when the service is closed or has max_monitors monitors already; true also when `task`
  /// already was one. A monitor stays one until close() (a monitor that has ended is skipped).
  /// Throws std::invalid_argument for an empty handle. Never blocks.
  bool monitor(const Task& task);

  /// Unregisters the service (later calls fail with CallFailure::no_service, also for
  /// references located before) and terminates its running invocations (their monitors and
  /// callers learn they were terminated). Idempotent. Never blocks: it does not wait for the
  /// invocations to unwind (a running one is unwound at its next blocking call).
  void close();

 private:
  Service(Node& node, std::string name, detail::Binder binder, std::string signature, std::string result_type,
          ServiceOptions options);

  template <class F>
  static detail::Binder make_binder(F function) {
    using Traits = detail::TraitsOf<F>;
    using Arguments = typename Traits::Arguments;
    using Result = typename Traits::Result;
    static_assert(!std::is_reference_v<Result>, "picos::rti: a service function must return by value");
    auto shared = std::make_shared<F>(std::move(function));
    return [shared](std::span<const std::byte> bytes) -> std::unique_ptr<detail::Job> {
      return std::make_unique<detail::BoundJob<F, Arguments, Result>>(shared,
                                                                      detail::decode_arguments<Arguments>(bytes));
    };
  }

  Node* node_ = nullptr;
  std::shared_ptr<detail::ServiceState> state_;
  // The node's service table; outlives the Service only if the node does.
  std::weak_ptr<detail::ServiceTable> table_;
};

/// One call of a service: the reference of the task it started and its outcome. A handle:
/// copies share the outcome. When the last copy goes, the local waiter is released (the remote
/// task keeps running).
class Invocation {
 public:
  /// The task started at the service's node (its name is the service's name).
  [[nodiscard]] const RemoteTask& task() const noexcept;

  /// [B] Waits up to `timeout` for the task to end and returns how it ended: finished (with the
  /// returned value in `value`; empty for void), failed (error_type and error_message), terminated,
  /// or unreachable when its node went offline first (within the node's heartbeat_timeout of a
  /// crash) or this node was destroyed. May be called again (the same status). Throws
  /// std::system_error(std::errc::timed_out) on timeout.
  [[nodiscard]] RemoteMonitorStatus wait(Timeout timeout = {}) const;

  /// [B] wait(), then the returned value as an R (R = void for none). Throws RemoteError when the
  /// task did not finish normally, BadMessageAccess (naming both types) when it returned another
  /// type, std::system_error(std::errc::timed_out) on timeout.
  template <class R>
  R result(Timeout timeout = {}) const {
    RemoteMonitorStatus status = wait(timeout);
    if (status.kind != RemoteMonitorStatus::Kind::finished) throw RemoteError(std::move(status));
    if constexpr (std::is_void_v<R>) {
      return;
    } else {
      return std::move(status.value).get<R>();
    }
  }

  /// For the library: wraps the shared outcome of a call.
  struct State;
  explicit Invocation(std::shared_ptr<State> state) noexcept : state_(std::move(state)) {}

 private:
  std::shared_ptr<State> state_;
};

/// A service located at a node (pycos's located RTI): what call() runs. A value type bound to the
/// local Node it was located with (which must outlive it).
class RemoteService {
 public:
  /// What locate() builds; `signature` and `result_type` as the server reported them.
  RemoteService(Node& node, ServiceReference reference, std::string signature, std::string result_type);

  /// The service's reference.
  [[nodiscard]] const ServiceReference& reference() const noexcept { return reference_; }
  /// The server's parameter signature, e.g. "tuple<i32,string>" (see Service::signature()).
  [[nodiscard]] const std::string& signature() const noexcept { return signature_; }
  /// The server's result type name ("void" for none).
  [[nodiscard]] const std::string& result_type() const noexcept { return result_type_; }

  /// [B] Starts the function at the service's node with `arguments` and returns the Invocation
  /// once the task exists, waiting up to `timeout` for the server's answer. Throws CallError when
  /// no task was started (unknown or closed service, mismatched arguments, busy, node offline),
  /// SerializationError when an argument type is not registered, std::length_error when the
  /// arguments exceed the node's max_frame_size, std::system_error(std::errc::timed_out) when no
  /// answer came in time (a task may then have started; its outcome is lost).
  template <class... Args>
  Invocation call(Timeout timeout, Args&&... arguments) const {
    using Arguments = std::tuple<picos::detail::message_value_t<Args>...>;
    std::string signature = detail::signature_of<Arguments>();
    return call_encoded(std::move(signature),
                        detail::encode_arguments(Arguments(std::forward<Args>(arguments)...)), timeout);
  }

  /// [B] Makes the local `task` a monitor of every invocation the service starts from now on
  /// (see Service::monitor()); if the service's node goes offline, `task` receives one
  /// `unreachable` RemoteMonitorStatus whose `task` names the service. True when registered;
  /// false for a closed or unknown service, a full monitor list, an offline node or a timeout.
  /// Throws std::invalid_argument for an empty handle.
  bool monitor(const Task& task, Timeout timeout = std::chrono::seconds(10)) const;

 private:
  Invocation call_encoded(std::string signature, Bytes arguments, Timeout timeout) const;

  Node* node_;
  ServiceReference reference_;
  std::string signature_;
  std::string result_type_;
};

/// [B] Finds the service registered under `name`: on this node first, then at `where` (when given
/// and online) or at every peer, as Node::locate() does: peers that come online while it waits
/// are asked too, and with no peer online it waits for one. Returns at the first positive answer;
/// std::nullopt once every peer asked has said no and no new one has come, on timeout, or when
/// `where` is not a peer. Throws
/// std::invalid_argument for an empty name or one longer than max_service_name.
[[nodiscard]] std::optional<RemoteService> locate(Node& node, const std::string& name,
                                                  std::optional<Location> where = std::nullopt,
                                                  Timeout timeout = std::chrono::seconds(10));

}  // namespace picos::rti
