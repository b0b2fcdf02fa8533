// Subprocess::communicate(): feed stdin and drain stdout/stderr at the same time.
#include "core/scheduler_core.hpp"
#include "io/io_ops.hpp"
#include "io/process_util.hpp"
#include "poller/io_errors.hpp"

#include <picos/picos.hpp>
#include <picos/subprocess.hpp>

#include <future>
#include <system_error>

namespace picos {
namespace {

// Writes `input` and closes stdin; a child that exits without reading (EPIPE) is not an error.
void feed(AsyncFile& in, const std::string& input, Timeout timeout) {
  try {
    if (in.is_open() && !input.empty()) in.write(input, timeout);
  } catch (const std::system_error& error) {
    if (error.code() != std::errc::broken_pipe) {
      in.close();
      throw;
    }
  }
  in.close();
}

std::string drain(AsyncFile& file, Timeout timeout) { return file.is_open() ? file.read_all(timeout) : std::string(); }

}  // namespace

std::pair<std::string, std::string> Subprocess::communicate(std::string_view input, CallTimeout timeout) {
  if (!state_) throw std::logic_error("picos: empty Subprocess");
  const std::int64_t deadline = detail::call_deadline(timeout, Timeout{});
  auto state = state_;  // helpers hold the state, never the caller's stack
  auto data = std::make_shared<std::string>(input);
  std::string out;
  std::string err;
  if (detail::SchedulerCore::current_task() != nullptr) {
    Task writer = picos::spawn([state, data, deadline] { feed(state->in, *data, detail::timeout_until(deadline)); });
    Task reader = picos::spawn([state, deadline] { return drain(state->err, detail::timeout_until(deadline)); });
    out = drain(state->out, detail::timeout_until(deadline));
    writer.finish();
    err = reader.finish().get<std::string>();
  } else {
    auto writer = std::async(std::launch::async, [state, data, deadline] {
      feed(state->in, *data, detail::timeout_until(deadline));
    });
    auto reader = std::async(std::launch::async, [state, deadline] {
      return drain(state->err, detail::timeout_until(deadline));
    });
    out = drain(state->out, detail::timeout_until(deadline));
    writer.get();
    err = reader.get();
  }
  wait(detail::timeout_until(deadline));
  return {std::move(out), std::move(err)};
}

}  // namespace picos
