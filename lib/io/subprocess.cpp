// picos::Subprocess: starting children with posix_spawn, their pipes, waiting through pidfds.
#include "io/io_ops.hpp"
#include "io/process_util.hpp"
#include "poller/io_errors.hpp"

#include <picos/subprocess.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace picos {


namespace {

struct PipeFds {
  int read = -1;
  int write = -1;
  void open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) detail::throw_errno(errno, "pipe2");
    read = fds[0];
    write = fds[1];
  }
  static void close_fd(int& fd) noexcept {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  ~PipeFds() {
    close_fd(read);
    close_fd(write);
  }
};

}  // namespace

Subprocess::Subprocess() noexcept = default;
Subprocess::Subprocess(Subprocess&& other) noexcept = default;
Subprocess& Subprocess::operator=(Subprocess&& other) noexcept = default;
Subprocess::~Subprocess() = default;

Subprocess Subprocess::spawn(SubprocessOptions options) {
  std::vector<SubprocessOptions> one;
  one.push_back(std::move(options));
  return pipeline(std::move(one));
}

Subprocess Subprocess::spawn(std::vector<std::string> argv) {
  SubprocessOptions options;
  options.argv = std::move(argv);
  return spawn(std::move(options));
}

Subprocess Subprocess::pipeline(std::vector<SubprocessOptions> children) {
  if (children.empty()) throw std::invalid_argument("picos: Subprocess::pipeline needs at least one child");
  detail::ignore_sigpipe();
  auto state = std::make_shared<State>();
  PipeFds in;
  PipeFds out;
  PipeFds err;
  if (children.front().pipe_stdin) in.open();
  if (children.back().pipe_stdout) out.open();
  bool any_stderr = false;
  for (const auto& child : children) any_stderr = any_stderr || child.pipe_stderr;
  if (any_stderr) err.open();
  int previous = in.read;  // stdin of the next child (-1: inherited)
  bool previous_owned = false;
  for (std::size_t i = 0; i < children.size(); ++i) {
    PipeFds link;
    if (i + 1 < children.size()) link.open();
    const int child_out = i + 1 < children.size() ? link.write : out.write;
    const int child_err = children[i].pipe_stderr ? err.write : -1;
    try {
      state->children.push_back(detail::spawn_child(children[i], previous, child_out, child_err));
    } catch (...) {
      if (previous_owned) PipeFds::close_fd(previous);
      throw;  // ~State kills the children started so far
    }
    if (previous_owned) PipeFds::close_fd(previous);
    previous = std::exchange(link.read, -1);
    previous_owned = true;
  }
  PipeFds::close_fd(in.read);
  PipeFds::close_fd(out.write);
  PipeFds::close_fd(err.write);
  if (in.write >= 0) state->in = AsyncFile(std::exchange(in.write, -1));
  if (out.read >= 0) state->out = AsyncFile(std::exchange(out.read, -1));
  if (err.read >= 0) state->err = AsyncFile(std::exchange(err.read, -1));
  Subprocess result;
  result.state_ = std::move(state);
  return result;
}

void Subprocess::write(std::string_view data, CallTimeout timeout) { stdin_pipe().write(data, timeout); }
void Subprocess::close_stdin() noexcept {
  if (state_) state_->in.close();
}
std::string Subprocess::read(std::size_t max_bytes, CallTimeout timeout) {
  return stdout_pipe().read(max_bytes, timeout);
}
std::string Subprocess::readline(CallTimeout timeout) { return stdout_pipe().readline(timeout); }
std::string Subprocess::read_stderr(std::size_t max_bytes, CallTimeout timeout) {
  return stderr_pipe().read(max_bytes, timeout);
}
std::string Subprocess::readline_stderr(CallTimeout timeout) { return stderr_pipe().readline(timeout); }

AsyncFile& Subprocess::stdin_pipe() {
  if (!state_) throw std::logic_error("picos: empty Subprocess");
  return state_->in;
}
AsyncFile& Subprocess::stdout_pipe() {
  if (!state_) throw std::logic_error("picos: empty Subprocess");
  return state_->out;
}
AsyncFile& Subprocess::stderr_pipe() {
  if (!state_) throw std::logic_error("picos: empty Subprocess");
  return state_->err;
}

std::optional<int> Subprocess::poll() {
  if (!state_) return std::nullopt;
  for (detail::Child& child : state_->children) {
    if (!detail::try_reap(child)) return std::nullopt;
  }
  return state_->children.back().status;
}

int Subprocess::wait(CallTimeout timeout) {
  if (!state_) throw std::logic_error("picos: empty Subprocess");
  const std::int64_t deadline = detail::call_deadline(timeout, Timeout{});
  for (detail::Child& child : state_->children) detail::wait_child(child, deadline);
  return *state_->children.back().status;
}

void Subprocess::kill(int signal) {
  if (!state_) return;
  for (detail::Child& child : state_->children) {
    if (!child.status) ::kill(child.pid, signal);
  }
}

std::vector<int> Subprocess::pids() const {
  std::vector<int> result;
  if (state_) {
    for (const detail::Child& child : state_->children) result.push_back(child.pid);
  }
  return result;
}

}  // namespace picos
