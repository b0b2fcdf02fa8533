#pragma once
// Execution contexts: the only place that knows how a task's registers and stack are switched.
// The implementation (context.cpp) is the only file that includes Boost.Context.

#include <cstddef>

namespace picos::detail {

// The C++ runtime keeps "exceptions being handled" per thread; tasks that block inside a catch
// block would corrupt each other's view, so every context carries its own copy.
struct ExceptionState {
  void* caught = nullptr;
  unsigned int uncaught = 0;
};

struct ExecutionContext {
  void* handle = nullptr;                // saved stack pointer of a switched-out context
  void (*entry)() = nullptr;             // first function run by a context made by make_context()
  ExceptionState exceptions;
};

// Prepares `context` to start running `entry` on the stack [top - size, top).
void make_context(ExecutionContext& context, void* stack_top, std::size_t size, void (*entry)());

// Saves the running context into `from` and continues `to`. Returns when something switches back
// to `from`.
void switch_context(ExecutionContext& from, ExecutionContext& to) noexcept;

// Continues `to` and never returns: for a context that has finished (its state is discarded).
[[noreturn]] void exit_context(ExecutionContext& to) noexcept;

}  // namespace picos::detail
