#pragma once
// Execution contexts: the only place that knows how a task's registers and stack are switched,
// and the only code that uses Boost.Context (this header and context.cpp). The switch itself is
// inline so that the scheduler's switch path has a single call level above jump_fcontext: every
// extra level costs a mispredicted return after each switch.
// Windows builds use Boost.Context's Windows-fiber variant instead: context_winfib.hpp.

#if defined(_WIN32)
#include "core/context_winfib.hpp"
#else

#include <boost/context/detail/fcontext.hpp>

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define PICOS_ASAN_FIBERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PICOS_ASAN_FIBERS 1
#endif
#endif
#ifdef PICOS_ASAN_FIBERS
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#if defined(__SANITIZE_THREAD__)
#define PICOS_TSAN_FIBERS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PICOS_TSAN_FIBERS 1
#endif
#endif
#ifdef PICOS_TSAN_FIBERS
#include <sanitizer/tsan_interface.h>
#endif

namespace picos::detail {

// Compact (shared-stack) tasks: available with fcontext (not with Windows fibers).
inline constexpr bool compact_stacks_supported = true;

// The C++ runtime keeps "exceptions being handled" per thread; tasks that block inside a catch
// block would corrupt each other's view, so every context carries its own copy. libstdc++ and
// libc++ both lay the per-thread record out as {caught list, uncaught count}.
struct ExceptionState {
  void* caught = nullptr;
  unsigned int uncaught = 0;
};

struct ExecutionContext {
  void* handle = nullptr;     // saved stack pointer of a switched-out context
  void (*entry)() = nullptr;  // first function run by a context made by make_context()
  ExceptionState exceptions;
  // The stack's extent, told to AddressSanitizer on every switch (unused in other builds; for the
  // thread's own context it is learnt on the first switch away from it).
  const void* stack_bottom = nullptr;
  std::size_t stack_size = 0;
#ifdef PICOS_TSAN_FIBERS
  // ThreadSanitizer's record of this context: created by make_context() and owned here, or, for
  // a thread's own context, that thread's record (learnt at each switch away from it).
  void* tsan_fiber = nullptr;
  bool owns_tsan_fiber = false;

  ExecutionContext() = default;
  ExecutionContext(const ExecutionContext&) = delete;
  ExecutionContext& operator=(const ExecutionContext&) = delete;
  ~ExecutionContext();
#endif
};

// Passed through jump_fcontext so the resumed side can record where the switch came from; it
// lives on the switching side's stack and is read before anything else runs.
struct ContextHop {
  ExecutionContext* from;
  ExecutionContext* to;
};

// This thread's exception record, looked up once per thread.
extern constinit thread_local ExceptionState* tl_exception_state __attribute__((tls_model("initial-exec")));
ExceptionState* lookup_exception_state() noexcept;

inline ExceptionState* exception_state() noexcept {
  ExceptionState* state = tl_exception_state;
  return state != nullptr ? state : lookup_exception_state();
}

// Prepares `context` to start running `entry` on the stack [top - size, top).
void make_context(ExecutionContext& context, void* stack_top, std::size_t size, void (*entry)());

// jump_fcontext() leaves through an indirect jump, never a `ret`, so a plain call to it leaves an
// entry on the CPU's return-address predictor that no return consumes: the next `ret` of the
// resumed side (out of yield(), park()...) is then predicted to go to the call site of the
// switch and mispredicts, on every switch. On x86-64 System V the return address is pushed
// without a `call`, which keeps the predictor in step with the returns that follow. Every
// register the ABI lets a callee clobber is declared clobbered; the red zone below %rsp is
// skipped first because the compiler may keep values there around an asm statement.
#if defined(__x86_64__) && defined(__ELF__) && !defined(PICOS_ASAN_FIBERS)
inline boost::context::detail::transfer_t jump_keeping_return_stack(boost::context::detail::fcontext_t to,
                                                                    void* data) noexcept {
  register void* to_register asm("rdi") = to;
  register void* data_register asm("rsi") = data;
  register void* fctx asm("rax");
  register void* back_data asm("rdx");
  asm volatile(
      "lea -128(%%rsp), %%rsp\n\t"
      "lea 1f(%%rip), %%rax\n\t"
      "push %%rax\n\t"
      "jmp jump_fcontext@PLT\n"
      "1:\n\t"
      "lea 128(%%rsp), %%rsp"
      : "=r"(fctx), "=r"(back_data), "+r"(to_register), "+r"(data_register)
      :
      : "rcx", "r8", "r9", "r10", "r11", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
        "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "st", "st(1)", "st(2)",
        "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");
  return {fctx, back_data};
}
#else
inline boost::context::detail::transfer_t jump_keeping_return_stack(boost::context::detail::fcontext_t to,
                                                                    void* data) noexcept {
  return boost::context::detail::jump_fcontext(to, data);
}
#endif

// How switch_context() enters jump_fcontext(): keeping the return predictor in step (the
// default), or with a plain call, which leaves the stack pointer where it is.
enum class SwitchKind { keep_return_stack, plain };

// Saves the running context into `from` and continues `to`. Returns when something switches back
// to `from`.
template <SwitchKind kind = SwitchKind::keep_return_stack>
inline void switch_context(ExecutionContext& from, ExecutionContext& to) noexcept {
  ExceptionState* state = exception_state();
  from.exceptions = *state;
  *state = to.exceptions;
  ContextHop hop{&from, &to};
#ifdef PICOS_TSAN_FIBERS
  from.tsan_fiber = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(to.tsan_fiber, 0);
#endif
#ifdef PICOS_ASAN_FIBERS
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, to.stack_bottom, to.stack_size);
#endif
  const boost::context::detail::transfer_t back = kind == SwitchKind::plain
                                                      ? boost::context::detail::jump_fcontext(to.handle, &hop)
                                                      : jump_keeping_return_stack(to.handle, &hop);
  ExecutionContext* origin = static_cast<ContextHop*>(back.data)->from;
  origin->handle = back.fctx;
#ifdef PICOS_ASAN_FIBERS
  __sanitizer_finish_switch_fiber(fake_stack, &origin->stack_bottom, &origin->stack_size);
#endif
}

// Copies stack bytes without AddressSanitizer checks (compact stacks copy whole frames, redzones
// included).
void copy_stack_bytes(void* to, const void* from, std::size_t size) noexcept;
// Tells AddressSanitizer that [bottom, bottom + size) holds no live frames any more.
void forget_stack_frames(void* bottom, std::size_t size) noexcept;

// Continues `to` and never returns: for a context that has finished (its state is discarded).
[[noreturn]] void exit_context(ExecutionContext& to) noexcept;

}  // namespace picos::detail

#endif  // _WIN32
