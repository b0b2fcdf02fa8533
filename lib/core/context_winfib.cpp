// Windows contexts on Boost.Context's fiber_winfib (see context_winfib.hpp).
#include "core/context.hpp"

#include <cstdlib>

extern "C" void* __cxa_get_globals() noexcept;  // NOLINT(bugprone-reserved-identifier)

namespace picos::detail {
namespace bctx = boost::context;

namespace {

// The fiber record lives in the task's stack-pool area, which the stack pool owns: nothing to free.
struct PoolArea {
  bctx::stack_context allocate() const noexcept { return {}; }
  void deallocate(bctx::stack_context& /*area*/) const noexcept {}
};

thread_local ExecutionContext* tl_first_origin = nullptr;
// The record of a fiber that is leaving through exit_context() (its successor deletes it).
thread_local bctx::detail::fiber_activation_record* tl_finished = nullptr;

}  // namespace

ExceptionState* exception_state() noexcept { return static_cast<ExceptionState*>(__cxa_get_globals()); }

ExecutionContext*& first_switch_origin() noexcept { return tl_first_origin; }

bctx::fiber keep_caller(bctx::fiber&& caller, ExecutionContext* into) noexcept {
  if (into != nullptr) {
    into->fiber = std::move(caller);
  } else {
    // A finished task never runs again and nothing remains on its stack to destroy. Marking it
    // terminated makes ~fiber just delete the Windows fiber, where it would otherwise resume it to
    // unwind it with an exception (which the scheduler's noexcept exit path cannot let through).
    tl_finished->terminated = true;
    tl_finished = nullptr;
    bctx::fiber finished = std::move(caller);
  }
  return {};
}

void make_context(ExecutionContext& context, void* stack_top, std::size_t size, void (*entry)()) {
  bctx::stack_context area;
  area.sp = stack_top;
  area.size = size;  // CreateFiber's initial commit of the fiber stack (its reserve: the exe's default)
  context.entry = entry;
  context.exceptions = {};
  context.fiber = bctx::fiber(std::allocator_arg, bctx::preallocated(stack_top, size, area), PoolArea{},
                              [&context](bctx::fiber&& caller) -> bctx::fiber {
                                // Destroyed before it ever ran (e.g. its task was dropped at
                                // shutdown): end at once.
                                if (bctx::detail::fiber_activation_record::current()->force_unwind) {
                                  return std::move(caller);
                                }
                                void (*run)() = context.entry;
                                context.entry = nullptr;
                                keep_caller(std::move(caller), tl_first_origin);
                                run();
                                std::abort();  // entry functions leave through exit_context()
                              });
}

void end_abandoned_fiber(bctx::detail::fiber_activation_record* destroyer) noexcept {
  // What Boost's own fiber entry does once a fiber has unwound: mark it finished and continue the
  // side that is destroying it, which then deletes the Windows fiber. Nothing on this stack is
  // destroyed, as with a task dropped by the fcontext version.
  bctx::detail::fiber_activation_record* self = bctx::detail::fiber_activation_record::current();
  self->from = nullptr;
  self->ontop = nullptr;
  self->terminated = true;
  self->force_unwind = false;
  destroyer->resume();
  std::abort();
}

void exit_context(ExecutionContext& to) noexcept {
  *exception_state() = to.exceptions;
  tl_finished = bctx::detail::fiber_activation_record::current();
  if (to.entry != nullptr) {
    tl_first_origin = nullptr;
    [[maybe_unused]] bctx::fiber back = std::move(to.fiber).resume();
  } else {
    [[maybe_unused]] bctx::fiber back = std::move(to.fiber).resume_with(
        [](bctx::fiber&& caller) { return keep_caller(std::move(caller), nullptr); });
  }
  std::abort();
}

}  // namespace picos::detail
