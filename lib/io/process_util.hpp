#pragma once
// Child processes for picos::Subprocess and their pipes, written once per OS: process_util.cpp
// (posix_spawn, pidfds) and process_util_windows.cpp (CreateProcess, overlapped named pipes).

#include <picos/file.hpp>
#include <picos/subprocess.hpp>

#include <cstdint>
#include <memory>
#include <optional>

namespace picos::detail {

struct IoHandle;

struct Child {
  int pid = -1;
  std::shared_ptr<IoHandle> pidfd;  // POSIX: readable once the child has exited; null when unsupported
  std::intptr_t process = 0;        // Windows: the process handle (0 once closed)
  int terminated_by = 0;            // Windows: the "signal" kill() ended it with (its status is -signal)
  std::optional<int> status;        // exit code, or -signal
};

// One pipe. `read`/`write` are descriptors (POSIX) or HANDLEs as ints (Windows); -1: none. Both
// ends are close-on-exec / not inheritable: spawn_child() hands a child exactly the ends it gets.
struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() = default;
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  ~Pipe();
};

// Which end of a new pipe this process keeps for asynchronous I/O (an AsyncFile); the other end
// (or both, for `neither`: a pipe between two children) goes to children.
enum class PipeKeeper { reader, writer, neither };
// Opens a pipe; throws std::system_error.
void open_pipe(Pipe& pipe, PipeKeeper keeper);
// Closes one end (a no-op for -1) and sets it to -1.
void close_pipe_end(int& end) noexcept;

// SIGPIPE is ignored process-wide (once, if it had the default action) so writing to a pipe
// whose reader exited reports EPIPE instead of killing the process. Children get the default back.
void ignore_sigpipe() noexcept;
// Starts `options.argv` with stdin/stdout/stderr duplicated from the given pipe ends (-1: inherit).
Child spawn_child(const SubprocessOptions& options, int in, int out, int err);
// Sends `signal` to a child still running (Windows: terminates it, see Subprocess::kill).
void signal_child(Child& child, int signal) noexcept;
// Reaps `child` if it has ended; true when its status is known.
bool try_reap(Child& child) noexcept;
// [B] Waits until `child` has ended (throws timed_out at `deadline`).
void wait_child(Child& child, std::int64_t deadline);
// SIGKILL (Windows: TerminateProcess) and blocking reap of a child still running; closes its
// pidfd or process handle.
void kill_and_reap(Child& child) noexcept;

}  // namespace picos::detail

namespace picos {

// The children and pipes of a Subprocess (shared with the helper tasks of communicate()).
struct Subprocess::State {
  std::vector<detail::Child> children;
  AsyncFile in;
  AsyncFile out;
  AsyncFile err;
  ~State() {
    in.close();
    out.close();
    err.close();
    for (detail::Child& child : children) detail::kill_and_reap(child);
  }
};

}  // namespace picos
