#pragma once
// What the example servers that run commands for their peers share (POSIX only): reader tasks
// that turn a child's output into messages for the task that forwards them, and a guard that
// kills the children and ends those readers however that task ends.

#include <picos/picos.hpp>
#include <picos/subprocess.hpp>

#include <signal.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace example {

// What a reader task sends after the last line: its stream ended.
struct LinesEnded {};

// Spawns a task (on the current scheduler) that reads `child`'s stdout, or its stderr when
// `from_stderr`, line by line and sends `make(line)` (the line without its '\n') to `target`
// for each, then LinesEnded{}. Never blocks.
template <class Make>
picos::Task spawn_line_reader(std::shared_ptr<picos::Subprocess> child, bool from_stderr, picos::Task target,
                              Make make) {
  return picos::spawn([child = std::move(child), from_stderr, target = std::move(target), make = std::move(make)] {
    for (;;) {
      std::string line = from_stderr ? child->readline_stderr() : child->readline();
      if (line.empty()) break;  // end of output
      if (line.back() == '\n') line.pop_back();
      target.send(make(std::move(line)));
    }
    target.send(LinesEnded{});
  });
}

// On destruction, kills (SIGKILL) the children and the process groups they lead (a child started
// through setsid leads one: the commands it started go too), then terminates the reader tasks.
// For a task's stack: it runs when the task returns, throws, or is terminated.
struct ChildGuard {
  std::shared_ptr<picos::Subprocess> child;
  std::vector<picos::Task> readers;

  ChildGuard() = default;
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  ~ChildGuard() {
    if (child) {
      for (const int pid : child->pids()) ::kill(-pid, SIGKILL);  // not a group leader: ESRCH, harmless
      child->kill(SIGKILL);
    }
    for (const picos::Task& reader : readers) reader.terminate();
  }
};

}  // namespace example
