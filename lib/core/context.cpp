#include "core/context.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <cstring>
#include <utility>

namespace picos::detail {
namespace bctx = boost::context::detail;

constinit thread_local ExceptionState* tl_exception_state __attribute__((tls_model("initial-exec"))) = nullptr;

ExceptionState* lookup_exception_state() noexcept {
  // The record's type is opaque in <cxxabi.h>; its layout is the one ExceptionState mirrors.
  tl_exception_state = reinterpret_cast<ExceptionState*>(abi::__cxa_get_globals());
  return tl_exception_state;
}

namespace {
void trampoline(bctx::transfer_t transfer) {
#ifdef PICOS_ASAN_FIBERS
  // First entry: complete the switch that started this context; remember where it came from.
  {
    auto* starting = static_cast<ContextHop*>(transfer.data);
    __sanitizer_finish_switch_fiber(nullptr, &starting->from->stack_bottom, &starting->from->stack_size);
  }
#endif
  auto* hop = static_cast<ContextHop*>(transfer.data);
  hop->from->handle = transfer.fctx;
  void (*entry)() = hop->to->entry;
  entry();
  std::abort();  // entry functions leave through exit_context()
}
}  // namespace

#ifdef PICOS_TSAN_FIBERS
namespace {
// A task's record can be freed while that task still runs (it releases its own control block on
// the way out); ThreadSanitizer's record of it is then destroyed by exit_context(), once the
// thread no longer runs as that fiber.
thread_local void* tl_retired_tsan_fiber = nullptr;
}  // namespace

ExecutionContext::~ExecutionContext() {
  if (!owns_tsan_fiber) return;
  if (tsan_fiber == __tsan_get_current_fiber()) tl_retired_tsan_fiber = tsan_fiber;
  else __tsan_destroy_fiber(tsan_fiber);
}
#endif

void make_context(ExecutionContext& context, void* stack_top, std::size_t size, void (*entry)()) {
  context.handle = bctx::make_fcontext(stack_top, size, &trampoline);
  context.entry = entry;
  context.exceptions = {};
  context.stack_bottom = static_cast<char*>(stack_top) - size;
  context.stack_size = size;
#ifdef PICOS_TSAN_FIBERS
  if (!context.owns_tsan_fiber) {
    context.tsan_fiber = __tsan_create_fiber(0);
    context.owns_tsan_fiber = true;
  }
#endif
}

#ifdef PICOS_ASAN_FIBERS
__attribute__((no_sanitize_address)) void copy_stack_bytes(void* to, const void* from, std::size_t size) noexcept {
  auto* out = static_cast<volatile unsigned char*>(to);
  const auto* in = static_cast<const volatile unsigned char*>(from);
  for (std::size_t i = 0; i < size; ++i) out[i] = in[i];
}
void forget_stack_frames(void* bottom, std::size_t size) noexcept { __asan_unpoison_memory_region(bottom, size); }
#else
void copy_stack_bytes(void* to, const void* from, std::size_t size) noexcept { std::memcpy(to, from, size); }
void forget_stack_frames(void* /*bottom*/, std::size_t /*size*/) noexcept {}
#endif

void exit_context(ExecutionContext& to) noexcept {
  *exception_state() = to.exceptions;
  ExecutionContext discarded;
  ContextHop hop{&discarded, &to};
#ifdef PICOS_TSAN_FIBERS
  // The finished context's record stays with it (reused by make_context() or freed with it).
  __tsan_switch_to_fiber(to.tsan_fiber, 0);
  if (tl_retired_tsan_fiber != nullptr) __tsan_destroy_fiber(std::exchange(tl_retired_tsan_fiber, nullptr));
#endif
#ifdef PICOS_ASAN_FIBERS
  __sanitizer_start_switch_fiber(nullptr, to.stack_bottom, to.stack_size);  // this stack is done
#endif
  bctx::jump_fcontext(to.handle, &hop);
  std::abort();
}

}  // namespace picos::detail
