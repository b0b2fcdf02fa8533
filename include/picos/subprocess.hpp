#pragma once
/// @file subprocess.hpp
/// picos::Subprocess: child processes (or a pipeline of them) whose stdin/stdout/stderr are
/// asynchronous streams (pycos AsyncPipe).
///
/// Every [B] call takes a timeout (default: none) reported as std::system_error(timed_out); I/O
/// failures throw std::system_error; end of output is an empty result. From a plain thread the
/// calls block the thread. No zombies: wait()/poll() reap the children, and destroying a
/// Subprocess whose children still run kills them (SIGKILL) and reaps them.
///
/// Windows: children start with CreateProcess (argv quoted so the child's C runtime reads the same
/// arguments back; argv[0] is looked up as CreateProcess does: the program's directory, the
/// current one, the system ones, then PATH, ".exe" added when there is no extension). The pipe
/// ends this process keeps are overlapped named pipes, so the pipe calls work in tasks of the
/// IOCP backend (the default); the select backend and plain threads handle sockets only and
/// throw std::system_error(operation_not_supported) for pipe I/O. kill(signal) terminates the
/// child (TerminateProcess) and its status is then -signal as on POSIX. wait() from a task looks
/// every 5 ms whether the children have ended.

#include <picos/file.hpp>
#include <picos/timeout.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace picos {

/// How to start one child.
struct SubprocessOptions {
  /// Program and arguments; argv[0] is looked up in PATH. Required.
  std::vector<std::string> argv;
  /// The whole environment ("NAME=value" entries); std::nullopt: inherit this process's.
  std::optional<std::vector<std::string>> env;
  /// Working directory; empty: inherit.
  std::string cwd;
  /// Which standard streams become pipes (the others are inherited from this process). In a
  /// pipeline only the first child's stdin and the last child's stdout count.
  bool pipe_stdin = true;
  bool pipe_stdout = true;
  bool pipe_stderr = true;
};

class Subprocess {
 public:
  /// An empty object (no child).
  Subprocess() noexcept;
  /// Starts one child. Throws std::system_error naming the program when it cannot start (for
  /// example std::errc::no_such_file_or_directory).
  static Subprocess spawn(SubprocessOptions options);
  /// Convenience: spawn({argv}).
  static Subprocess spawn(std::vector<std::string> argv);
  /// Starts a pipeline `a | b | ...`: each child's stdout feeds the next one's stdin. write() goes
  /// to the first, read() comes from the last, read_stderr() merges every child's stderr.
  static Subprocess pipeline(std::vector<SubprocessOptions> children);

  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  /// Kills (SIGKILL) and reaps children still running; closes the pipes.
  ~Subprocess();

  /// [B] Writes all of `data` to the (first) child's stdin.
  void write(std::string_view data, CallTimeout timeout = {});
  /// Closes stdin so the child reads end of file. [N]
  void close_stdin() noexcept;
  /// [B] Up to `max_bytes` of stdout (of the last child); empty at end of output.
  std::string read(std::size_t max_bytes = 65536, CallTimeout timeout = {});
  /// [B] One line of stdout; empty at end of output.
  std::string readline(CallTimeout timeout = {});
  /// [B] Up to `max_bytes` of stderr; empty at end of output.
  std::string read_stderr(std::size_t max_bytes = 65536, CallTimeout timeout = {});
  /// [B] One line of stderr; empty at end of output.
  std::string readline_stderr(CallTimeout timeout = {});
  /// [B] Writes `input` to stdin and closes it while reading stdout and stderr to their ends
  /// concurrently (no deadlock on large outputs), then waits for the children to exit. Returns
  /// (stdout, stderr). Streams that are not pipes read as empty.
  std::pair<std::string, std::string> communicate(std::string_view input = {}, CallTimeout timeout = {});

  /// The exit status of the (last) child if every child has ended, else std::nullopt. Never
  /// blocks. Status: the exit code, or -N when killed by signal N.
  std::optional<int> poll();
  /// [B] Waits until every child has ended; returns the status of the last one (as poll()).
  int wait(CallTimeout timeout = {});
  /// Sends `signal` (default SIGTERM) to every child still running (Windows: terminates them). [N]
  void kill(int signal = 15);
  /// Process ids, first to last.
  [[nodiscard]] std::vector<int> pids() const;

  /// The pipe ends themselves, for other uses (empty when not a pipe).
  AsyncFile& stdin_pipe();
  AsyncFile& stdout_pipe();
  AsyncFile& stderr_pipe();

 private:
  struct State;
  std::shared_ptr<State> state_;  // heap: helper tasks of communicate() keep it alive
};

}  // namespace picos
