// Runs one measurement process and collects what it prints on stdout.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace picos_bench {

/// Sets (value) or removes (std::nullopt) one environment variable for the child.
struct EnvChange {
  std::string name;
  std::optional<std::string> value;
};

struct ProcessResult {
  std::string out;         ///< everything the child wrote on stdout
  int exit_code = -1;      ///< exit status, or -1 when it did not exit normally
  int signal = 0;          ///< terminating signal, 0 when it exited
  bool timed_out = false;  ///< killed after the time limit
  std::string failure;     ///< why it could not be run at all (empty when it ran)
};

/// Runs `path` with `args` (argv[1..]) and this process's environment changed by `env`; the
/// child's stderr is shared with ours. Kills the child after `limit`. Never throws for failures
/// of the child; they are described in the result.
[[nodiscard]] ProcessResult run_process(const std::string& path, const std::vector<std::string>& args,
                                        const std::vector<EnvChange>& env, std::chrono::seconds limit);

/// Absolute path of the running executable (from /proc/self/exe).
[[nodiscard]] std::string self_path();

/// True when `path` names an executable file.
[[nodiscard]] bool is_executable(const std::string& path);

}  // namespace picos_bench
