#include "io/process_util.hpp"

#include "core/scheduler_core.hpp"
#include "io/io_ops.hpp"
#include "poller/io_errors.hpp"

#include <picos/this_task.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <chrono>
#include <mutex>
#include <thread>

extern char** environ;

namespace picos::detail {
namespace {

int status_of(int raw) noexcept {
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return -WTERMSIG(raw);
  return -1;
}

class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attributes_);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&attributes_, &none);
    posix_spawnattr_setsigdefault(&attributes_, &defaults);
    posix_spawnattr_setflags(&attributes_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attributes_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attributes_;
};

}  // namespace

Pipe::~Pipe() {
  close_pipe_end(read);
  close_pipe_end(write);
}

void open_pipe(Pipe& pipe, PipeKeeper) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno(errno, "pipe2");
  pipe.read = fds[0];
  pipe.write = fds[1];
}

void close_pipe_end(int& end) noexcept {
  if (end >= 0) ::close(end);
  end = -1;
}

void signal_child(Child& child, int signal) noexcept { ::kill(child.pid, signal); }

void ignore_sigpipe() noexcept {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) ::signal(SIGPIPE, SIG_IGN);
  });
}

Child spawn_child(const SubprocessOptions& options, int in, int out, int err) {
  if (options.argv.empty()) throw std::invalid_argument("picos: Subprocess: argv is empty");
  SpawnSetup setup;
  if (in >= 0) posix_spawn_file_actions_adddup2(&setup.actions_, in, 0);
  if (out >= 0) posix_spawn_file_actions_adddup2(&setup.actions_, out, 1);
  if (err >= 0) posix_spawn_file_actions_adddup2(&setup.actions_, err, 2);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&setup.actions_, options.cwd.c_str());
  std::vector<char*> argv;
  for (const std::string& arg : options.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> env;
  if (options.env) {
    for (const std::string& entry : *options.env) env.push_back(const_cast<char*>(entry.c_str()));
    env.push_back(nullptr);
  }
  Child child;
  const int error = ::posix_spawnp(&child.pid, argv[0], &setup.actions_, &setup.attributes_, argv.data(),
                                   options.env ? env.data() : environ);
  if (error != 0) throw_errno(error, ("spawn '" + options.argv[0] + "'").c_str());
  const long pidfd = ::syscall(SYS_pidfd_open, child.pid, 0);
  if (pidfd >= 0) child.pidfd = make_handle(static_cast<int>(pidfd), false);
  return child;
}

bool try_reap(Child& child) noexcept {
  if (child.status) return true;
  int raw = 0;
  pid_t result = 0;
  do {
    result = ::waitpid(child.pid, &raw, WNOHANG);
  } while (result < 0 && errno == EINTR);
  if (result == child.pid) {
    child.status = status_of(raw);
    close_handle(child.pidfd);
    child.pidfd.reset();
  } else if (result < 0) {
    child.status = -1;  // not our child any more (reaped elsewhere)
  }
  return child.status.has_value();
}

void wait_child(Child& child, std::int64_t deadline) {
  while (!try_reap(child)) {
    if (child.pidfd) {
      auto handle = child.pidfd;
      io_wait(*handle, false, Interest::readable, deadline);
      continue;
    }
    if (monotonic_expired(deadline)) throw_timed_out("Subprocess::wait");
    if (SchedulerCore::current_task() != nullptr) this_task::sleep(std::chrono::milliseconds(5));
    else std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void kill_and_reap(Child& child) noexcept {
  if (!try_reap(child)) {
    ::kill(child.pid, SIGKILL);
    int raw = 0;
    while (::waitpid(child.pid, &raw, 0) < 0 && errno == EINTR) {
    }
    child.status = status_of(raw);
  }
  close_handle(child.pidfd);
  child.pidfd.reset();
}

}  // namespace picos::detail
