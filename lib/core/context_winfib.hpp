#pragma once
// Execution contexts on Windows: Boost.Context's Windows-fiber variant (BOOST_USE_WINFIB), the
// same interface as the fcontext version in context.hpp, which includes this header on Windows.
// Each task context is a boost::context::fiber, i.e. a Windows fiber whose stack Windows
// allocates (CreateFiber); the task's stack-pool area only holds the task body and Boost's fiber
// record. Consequences, both stated in the public docs: overflowing a task stack faults at once
// (Windows fiber stacks end in a guard page), and compact mode is not available (every task runs
// on a stack of its own).

#include <boost/context/fiber.hpp>

#include <cstddef>

namespace picos::detail {

// Compact (shared-stack) tasks need a context whose stack is memory picos chooses; Windows fibers
// have stacks of their own, so on Windows every task gets a dedicated stack.
inline constexpr bool compact_stacks_supported = false;

// The C++ runtime keeps "exceptions being handled" per thread, not per fiber; every context keeps
// its own copy (libstdc++ record layout: {caught list, uncaught count}).
struct ExceptionState {
  void* caught = nullptr;
  unsigned int uncaught = 0;
};

struct ExecutionContext {
  boost::context::fiber fiber;  // the suspended fiber (empty while it runs)
  void (*entry)() = nullptr;    // set by make_context() until the fiber first runs
  ExceptionState exceptions;
  void* handle = nullptr;  // compact-mode stack pointer in the fcontext version; unused here
};

[[nodiscard]] ExceptionState* exception_state() noexcept;

// The receiving half of every switch, run on the resumed side: keeps the fiber that switched away
// in `into`, or, when that fiber has finished (exit_context), deletes it.
boost::context::fiber keep_caller(boost::context::fiber&& caller, ExecutionContext* into) noexcept;
// Where a fiber resumed for the first time stores its caller (set just before that switch).
ExecutionContext*& first_switch_origin() noexcept;
// A suspended context is being destroyed (its task will never run again): Boost resumed it to
// unwind it, which the scheduler's noexcept switch path cannot let through. Ends this fiber
// without unwinding and continues the destroying side at `destroyer`.
[[noreturn]] void end_abandoned_fiber(boost::context::detail::fiber_activation_record* destroyer) noexcept;

// Resumes `to` (first start or later switch) with the receiving half keeping the caller in `from`;
// returns when `from` is resumed.
inline void resume_context(ExecutionContext& from, ExecutionContext& to) noexcept {
  boost::context::detail::fiber_activation_record* destroyer = nullptr;
  try {
    if (to.entry != nullptr) {
      first_switch_origin() = &from;
      [[maybe_unused]] boost::context::fiber back = std::move(to.fiber).resume();
    } else {
      [[maybe_unused]] boost::context::fiber back = std::move(to.fiber).resume_with(
          [&from](boost::context::fiber&& caller) { return keep_caller(std::move(caller), &from); });
    }
  } catch (const boost::context::detail::forced_unwind& unwind) {
    destroyer = unwind.from;
#ifndef BOOST_ASSERT_IS_VOID
    const_cast<boost::context::detail::forced_unwind&>(unwind).caught = true;
#endif
  }
  if (destroyer != nullptr) end_abandoned_fiber(destroyer);
}

// Prepares `context` to run `entry` in a new fiber; [top - size, top) is the task's stack-pool area.
void make_context(ExecutionContext& context, void* stack_top, std::size_t size, void (*entry)());

// Only the POSIX switch has two ways in; fibers have one (the kind is accepted and ignored).
enum class SwitchKind { keep_return_stack, plain };

// Saves the running context into `from` and continues `to`; returns when `from` is resumed.
template <SwitchKind = SwitchKind::keep_return_stack>
inline void switch_context(ExecutionContext& from, ExecutionContext& to) noexcept {
  ExceptionState* state = exception_state();
  from.exceptions = *state;
  *state = to.exceptions;
  resume_context(from, to);
}

// Without compact stacks these have nothing to do.
inline void copy_stack_bytes(void* /*to*/, const void* /*from*/, std::size_t /*size*/) noexcept {}
inline void forget_stack_frames(void* /*bottom*/, std::size_t /*size*/) noexcept {}

// Continues `to` and never returns; the finished fiber is deleted on the other side.
[[noreturn]] void exit_context(ExecutionContext& to) noexcept;

}  // namespace picos::detail
