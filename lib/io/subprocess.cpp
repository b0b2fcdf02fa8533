// picos::Subprocess: a pipeline of children joined by pipes (the OS parts are in process_util*).
#include "io/io_ops.hpp"
#include "io/process_util.hpp"
#include "poller/io_errors.hpp"

#include <picos/subprocess.hpp>

#include <stdexcept>

namespace picos {



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
  detail::Pipe in;
  detail::Pipe out;
  detail::Pipe err;
  if (children.front().pipe_stdin) detail::open_pipe(in, detail::PipeKeeper::writer);
  if (children.back().pipe_stdout) detail::open_pipe(out, detail::PipeKeeper::reader);
  bool any_stderr = false;
  for (const auto& child : children) any_stderr = any_stderr || child.pipe_stderr;
  if (any_stderr) detail::open_pipe(err, detail::PipeKeeper::reader);
  int previous = in.read;  // stdin of the next child (-1: inherited)
  bool previous_owned = false;
  for (std::size_t i = 0; i < children.size(); ++i) {
    detail::Pipe link;
    if (i + 1 < children.size()) detail::open_pipe(link, detail::PipeKeeper::neither);
    const int child_out = i + 1 < children.size() ? link.write : out.write;
    const int child_err = children[i].pipe_stderr ? err.write : -1;
    try {
      state->children.push_back(detail::spawn_child(children[i], previous, child_out, child_err));
    } catch (...) {
      if (previous_owned) detail::close_pipe_end(previous);
      throw;  // ~State kills the children started so far
    }
    if (previous_owned) detail::close_pipe_end(previous);
    previous = std::exchange(link.read, -1);
    previous_owned = true;
  }
  detail::close_pipe_end(in.read);
  detail::close_pipe_end(out.write);
  detail::close_pipe_end(err.write);
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
    if (!child.status) detail::signal_child(child, signal);
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
