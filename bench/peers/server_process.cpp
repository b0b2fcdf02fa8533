#include "server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <thread>

extern char** environ;

namespace picos_bench::io {
namespace {

[[noreturn]] void throw_errno(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

std::vector<std::string> merged_environment(const std::vector<std::string>& changes) {
  auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> out;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string item(*entry);
    const bool replaced = std::any_of(changes.begin(), changes.end(),
                                      [&](const std::string& c) { return name_of(c) == name_of(item); });
    if (!replaced) out.push_back(item);
  }
  out.insert(out.end(), changes.begin(), changes.end());
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Reads the first line the server prints; empty when it closes stdout or the time runs out.
std::string first_line(int fd, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::string line;
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {};
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), INT_MAX)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return {};
    char buf[256];
    const ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return {};
    line.append(buf, static_cast<std::size_t>(got));
  }
  return line.substr(0, line.find('\n'));
}

std::optional<std::uint16_t> trailing_port(const std::string& line) {
  std::size_t end = line.size();
  while (end > 0 && (line[end - 1] == '\r' || line[end - 1] == ' ')) --end;
  std::size_t start = end;
  while (start > 0 && line[start - 1] >= '0' && line[start - 1] <= '9') --start;
  if (start == end || end - start > 5) return std::nullopt;
  const unsigned long value = std::strtoul(line.substr(start, end - start).c_str(), nullptr, 10);
  if (value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

}  // namespace

CpuPair pick_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) throw_errno("sched_getaffinity");
  std::vector<int> allowed;
  for (int cpu = 0; cpu < CPU_SETSIZE && allowed.size() < 2; ++cpu) {
    if (CPU_ISSET(cpu, &set)) allowed.push_back(cpu);
  }
  if (allowed.empty()) throw std::runtime_error("no CPU in this process's affinity mask");
  return {allowed.front(), allowed.back()};
}

void pin_self(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (::sched_setaffinity(0, sizeof set, &set) != 0) throw_errno("sched_setaffinity");
}

void raise_fd_limit(std::uint64_t wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) throw_errno("getrlimit");
  if (limit.rlim_cur >= wanted) return;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < wanted) {
    throw std::runtime_error("the descriptor limit (ulimit -Hn " + std::to_string(limit.rlim_max) +
                             ") is below the " + std::to_string(wanted) + " this measurement needs");
  }
  limit.rlim_cur = wanted;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) throw_errno("setrlimit");
}

ServerProcess::ServerProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env, int cpu,
                             std::chrono::seconds startup)
    : name_(argv.at(0)) {
  std::vector<std::string> args = argv;
  std::vector<std::string> environment = merged_environment(env);
  std::vector<char*> arg_pointers = pointers(args);
  std::vector<char*> env_pointers = pointers(environment);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe");
  // The child inherits the CPU mask at spawn time, so every thread it ever starts (Go's runtime
  // threads too) stays on `cpu`; this process takes its own mask back right after.
  cpu_set_t own;
  CPU_ZERO(&own);
  if (::sched_getaffinity(0, sizeof own, &own) != 0) throw_errno("sched_getaffinity");
  pin_self(cpu);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  const int error = ::posix_spawn(&pid_, name_.c_str(), &actions, nullptr, arg_pointers.data(), env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  ::sched_setaffinity(0, sizeof own, &own);
  ::close(fds[1]);
  if (error != 0) {
    ::close(fds[0]);
    pid_ = -1;
    throw std::runtime_error("cannot run " + name_ + ": " + std::strerror(error));
  }
  stdout_fd_ = fds[0];
  const std::string line = first_line(stdout_fd_, startup);
  const auto port = trailing_port(line);
  if (!port) {
    stop();
    throw std::runtime_error(name_ + " printed no port (first line: '" + line + "')");
  }
  port_ = *port;
}

ServerProcess::~ServerProcess() { stop(); }

void ServerProcess::stop() noexcept {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    // A server that ignores SIGTERM gets SIGKILL after two seconds.
    for (int waited_ms = 0;; waited_ms += 10) {
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_ || (done < 0 && errno != EINTR)) break;
      if (waited_ms == 2000) ::kill(pid_, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
  }
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
}

double ServerProcess::cpu_seconds() const {
  // schedstat's first field is the thread's time on a CPU in nanoseconds (the tick-based utime and
  // stime of /proc/<pid>/stat are only 10 ms precise); summed over the threads alive now.
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid_) + "/task";
  std::error_code error;
  double total_ns = 0;
  bool found = false;
  for (const auto& thread : std::filesystem::directory_iterator(tasks, error)) {
    std::ifstream file(thread.path() / "schedstat");
    unsigned long long on_cpu_ns = 0;
    if (file >> on_cpu_ns) {
      total_ns += static_cast<double>(on_cpu_ns);
      found = true;
    }
  }
  if (!found) throw std::runtime_error(name_ + " is no longer running (no " + tasks.string() + "/*/schedstat)");
  return total_ns / 1e9;
}

bool quick_mode() {
  const char* value = std::getenv("PICOS_BENCH_QUICK");
  return value != nullptr && *value != '\0' && std::strcmp(value, "0") != 0;
}

std::string own_folder() {
  char buf[PATH_MAX];
  const ssize_t len = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (len <= 0) throw_errno("readlink /proc/self/exe");
  const std::string path(buf, static_cast<std::size_t>(len));
  return path.substr(0, path.rfind('/') + 1);
}

}  // namespace picos_bench::io
