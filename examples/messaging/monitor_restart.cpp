// monitor_restart: a supervisor that restarts failing workers. The supervisor task spawns one
// worker per job and monitors each; for every ending it receives a MonitorStatus message:
// finished (with the worker's return value), failed (with the exception's type and message: the
// job is retried in a fresh worker, up to three attempts) or terminated (a worker that hangs is
// stopped by the supervisor when no status arrives for a while). Run: ./monitor_restart
#include <picos/picos.hpp>
#include <picos/receive.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>

namespace {
using namespace std::chrono_literals;

int worker(int job, int attempt) {
  picos::this_task::sleep(5ms);
  if (job == 3 && attempt < 3) throw std::runtime_error("job 3 is flaky (attempt " + std::to_string(attempt) + ")");
  if (job == 5) picos::this_task::suspend();  // hangs until terminated
  return job * 100;
}

struct Running {
  picos::Task task;
  int job = 0;
  int attempt = 0;
};

void supervisor(int jobs) {
  std::map<std::uint64_t, Running> running;
  auto start = [&](int job, int attempt) {
    picos::Task task = picos::spawn(worker, job, attempt);
    picos::this_task::current().monitor(task);
    running[task.id()] = Running{task, job, attempt};
  };
  for (int job = 1; job <= jobs; ++job) start(job, 1);
  while (!running.empty()) {
    auto status = picos::this_task::receive_as<picos::MonitorStatus>(200ms);
    if (!status) {
      std::printf("supervisor: no news for 200 ms, terminating %zu hung worker(s)\n", running.size());
      for (auto& [id, entry] : running) entry.task.terminate();
      continue;  // their `terminated` statuses follow
    }
    const Running done = running.at(status->task.id());
    running.erase(status->task.id());
    switch (status->kind) {
      case picos::MonitorStatus::Kind::finished:
        std::printf("job %d finished: %d\n", done.job, status->value.get<int>());
        break;
      case picos::MonitorStatus::Kind::failed:
        std::printf("job %d failed (%s: %s)", done.job, status->error_type.c_str(), status->error_message.c_str());
        if (done.attempt < 3) {
          std::printf(", restarting\n");
          start(done.job, done.attempt + 1);
        } else {
          std::printf(", giving up\n");
        }
        break;
      case picos::MonitorStatus::Kind::terminated:
        std::printf("job %d was terminated\n", done.job);
        break;
    }
  }
}

}  // namespace

int main() {
  picos::set_log_level(picos::LogLevel::error);  // failures are reported by the supervisor
  picos::spawn(supervisor, 6).value();
  picos::Scheduler::instance().finish();
}
