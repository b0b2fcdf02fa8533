// picos::Scheduler: the public face of SchedulerCore, the default instance and its thread.
#include "core/scheduler_core.hpp"

#include <picos/errors.hpp>
#include <picos/log.hpp>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace picos {
namespace {

struct AtexitEntry {
  std::size_t id;
  int priority;
  std::function<void()> callback;
};

// The default scheduler. Never destroyed by static destructors: a process-exit hook stops it
// first, and finished instances are kept (they are small) so references handed out stay valid.
std::mutex& instance_mutex() {
  static auto* mutex = new std::mutex;
  return *mutex;
}
Scheduler* live_instance = nullptr;
std::vector<Scheduler*>* retired_instances = nullptr;

void stop_default_at_exit() {
  if (detail::SchedulerCore::on_this_thread() != nullptr) return;  // exit() called by a task
  Scheduler* instance = nullptr;
  {
    std::lock_guard<std::mutex> lock(instance_mutex());
    instance = live_instance;  // stays reachable: references handed out remain valid
  }
  if (instance != nullptr && !instance->core().stopped()) instance->terminate();
}

}  // namespace

struct Scheduler::Control {
  bool own_thread = false;
  std::thread thread;
  std::atomic<bool> stop_requested{false};
  std::mutex atexit_mutex;
  std::vector<AtexitEntry> atexit_entries;
  std::size_t next_atexit_id = 1;
  std::once_flag stopping;
};

Scheduler::Scheduler(SchedulerOptions options) : Scheduler(std::move(options), false) {}

Scheduler::Scheduler(SchedulerOptions options, bool own_thread)
    : core_(std::make_unique<detail::SchedulerCore>(*this, options)), control_(std::make_unique<Control>()) {
  control_->own_thread = own_thread;
  if (own_thread) {
    control_->thread = std::thread([this] {
      core_->run_loop([this] { return control_->stop_requested.load(std::memory_order_acquire); });
      core_->terminate_all();
      core_->mark_stopped();
    });
  }
}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::stop() {
  std::call_once(control_->stopping, [this] {
    if (control_->own_thread) {
      control_->stop_requested.store(true, std::memory_order_release);
      core_->wake_loop();
      if (control_->thread.joinable()) control_->thread.join();
    } else {
      core_->terminate_all();
      core_->mark_stopped();
    }
  });
}

Scheduler& Scheduler::instance() {
  std::lock_guard<std::mutex> lock(instance_mutex());
  if (live_instance != nullptr && live_instance->core().stopped()) {
    if (retired_instances == nullptr) retired_instances = new std::vector<Scheduler*>;
    retired_instances->push_back(std::exchange(live_instance, nullptr));
  }
  if (live_instance == nullptr) {
    static const bool hooked = (std::atexit(&stop_default_at_exit), true);
    (void)hooked;
    live_instance = new Scheduler(SchedulerOptions{}, true);
  }
  return *live_instance;
}

Scheduler& Scheduler::current() {
  if (detail::SchedulerCore* core = detail::SchedulerCore::on_this_thread()) return *core->owner();
  return instance();
}

void Scheduler::check_thread_call(const char* call) const {
  if (detail::SchedulerCore::on_this_thread() != nullptr) {
    throw WrongContext(std::string("picos: Scheduler::") + call +
                       " blocks the thread and cannot be called from a task or a scheduler's thread");
  }
}

void Scheduler::run() {
  check_thread_call("run()");
  if (control_->own_thread) {
    throw WrongContext("picos: Scheduler::run() is for schedulers made with the constructor; "
                       "the default scheduler runs on its own thread");
  }
  if (core_->stopped()) throw SchedulerStopped("picos: Scheduler::run() after finish() or terminate()");
  core_->run_loop([this] { return core_->live_non_daemon() == 0; });
}

bool Scheduler::join(Timeout timeout) {
  check_thread_call("join()");
  const std::int64_t deadline = detail::deadline_after(timeout);
  auto done = [this] { return core_->live_non_daemon() == 0; };
  core_->add_thread_waiter();
  bool finished = false;
  {
    std::unique_lock<std::mutex> lock(core_->thread_wait_mutex());
    if (deadline == detail::no_deadline) {
      core_->thread_wait_cv().wait(lock, done);
      finished = true;
    } else {
      const auto until = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(deadline));
      finished = core_->thread_wait_cv().wait_until(lock, until, done);
    }
  }
  core_->remove_thread_waiter();
  return finished;
}

void Scheduler::run_atexit_callbacks() {
  std::vector<AtexitEntry> entries;
  {
    std::lock_guard<std::mutex> lock(control_->atexit_mutex);
    entries.swap(control_->atexit_entries);
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const AtexitEntry& a, const AtexitEntry& b) { return a.priority > b.priority; });
  for (AtexitEntry& entry : entries) {
    try {
      entry.callback();
    } catch (const std::exception& error) {
      log(LogLevel::error, "atexit callback failed: ", error.what());
    }
  }
}

void Scheduler::finish() {
  check_thread_call("finish()");
  if (control_->own_thread) {
    join();
  } else if (!core_->stopped()) {
    run();
  }
  run_atexit_callbacks();
  stop();
}

void Scheduler::terminate() {
  check_thread_call("terminate()");
  run_atexit_callbacks();
  stop();
}

std::size_t Scheduler::atexit(int priority, std::function<void()> callback) {
  std::lock_guard<std::mutex> lock(control_->atexit_mutex);
  const std::size_t id = control_->next_atexit_id++;
  control_->atexit_entries.push_back(AtexitEntry{id, priority, std::move(callback)});
  return id;
}

bool Scheduler::drop_atexit(std::size_t id) {
  std::lock_guard<std::mutex> lock(control_->atexit_mutex);
  auto& entries = control_->atexit_entries;
  const auto it = std::find_if(entries.begin(), entries.end(), [id](const AtexitEntry& e) { return e.id == id; });
  if (it == entries.end()) return false;
  entries.erase(it);
  return true;
}

std::size_t Scheduler::task_count() const noexcept { return core_->live_tasks(); }

const char* Scheduler::poller_name() const noexcept { return core_->poller().name(); }

}  // namespace picos
