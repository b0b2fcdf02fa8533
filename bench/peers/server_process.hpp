// A server program started for an I/O benchmark: spawned pinned to one CPU, its port read from
// the first line it prints, its CPU time read from /proc, stopped when the object goes away.
// Also the helpers every load generator of the harness needs (CPU pinning, descriptor limit).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace picos_bench::io {

/// The two CPUs of a benchmark: the server runs on `server`, the load generator on `load`. When
/// only one CPU is allowed both are the same.
struct CpuPair {
  int server = 0;
  int load = 0;
};

/// The first two CPUs this process may run on. Throws std::system_error.
[[nodiscard]] CpuPair pick_cpus();

/// Pins the calling thread to `cpu`. Throws std::system_error.
void pin_self(int cpu);

/// Raises RLIMIT_NOFILE's soft limit to at least `wanted` (up to the hard limit). Throws
/// std::runtime_error when the hard limit is lower than `wanted`.
void raise_fd_limit(std::uint64_t wanted);

/// Runs a server program until destroyed.
class ServerProcess {
 public:
  /// Spawns `argv` (argv[0] is the program path) with `env` added to this environment ("NAME=value"
  /// entries replace same-named ones), pinned to `cpu`, and waits up to `startup` for its first
  /// line on stdout, which must end with the port it listens on (e.g. "listening on 4242").
  /// Throws std::runtime_error naming the program when it cannot start or prints no port.
  ServerProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env, int cpu,
                std::chrono::seconds startup = std::chrono::seconds(10));
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

  /// CPU seconds (user + system) the server's live threads have used so far, from
  /// /proc/<pid>/task/*/schedstat. Throws std::runtime_error when the process is gone.
  [[nodiscard]] double cpu_seconds() const;

 private:
  void stop() noexcept;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::uint16_t port_ = 0;
  std::string name_;
};

/// True when PICOS_BENCH_QUICK is set (picos-bench --quick): measurements use short durations.
[[nodiscard]] bool quick_mode();

/// The folder of the running executable, with a trailing '/'.
[[nodiscard]] std::string own_folder();

}  // namespace picos_bench::io
