#pragma once
// Child processes for picos::Subprocess: starting one (posix_spawn), reaping, waiting through a
// pidfd so only the calling task waits.

#include <picos/file.hpp>
#include <picos/subprocess.hpp>

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace picos::detail {

struct IoHandle;

struct Child {
  pid_t pid = -1;
  std::shared_ptr<IoHandle> pidfd;  // readable once the child has exited; null when unsupported
  std::optional<int> status;        // exit code, or -signal
};

// SIGPIPE is ignored process-wide (once, if it had the default action) so writing to a pipe
// whose reader exited reports EPIPE instead of killing the process. Children get the default back.
void ignore_sigpipe() noexcept;
// Starts `options.argv` with stdin/stdout/stderr duplicated from the given fds (-1: inherit).
Child spawn_child(const SubprocessOptions& options, int in, int out, int err);
// Reaps `child` if it has ended; true when its status is known.
bool try_reap(Child& child) noexcept;
// [B] Waits until `child` has ended (throws timed_out at `deadline`).
void wait_child(Child& child, std::int64_t deadline);
// SIGKILL and blocking reap of a child still running; closes its pidfd.
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
