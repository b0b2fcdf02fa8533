#include "core/context.hpp"

#include <cstdlib>
#include <cstring>

extern "C" void* __cxa_get_globals() noexcept;  // NOLINT(bugprone-reserved-identifier)

namespace picos::detail {
namespace bctx = boost::context::detail;

constinit thread_local ExceptionState* tl_exception_state __attribute__((tls_model("initial-exec"))) = nullptr;

ExceptionState* lookup_exception_state() noexcept {
  tl_exception_state = static_cast<ExceptionState*>(__cxa_get_globals());
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

void make_context(ExecutionContext& context, void* stack_top, std::size_t size, void (*entry)()) {
  context.handle = bctx::make_fcontext(stack_top, size, &trampoline);
  context.entry = entry;
  context.exceptions = {};
  context.stack_bottom = static_cast<char*>(stack_top) - size;
  context.stack_size = size;
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
#ifdef PICOS_ASAN_FIBERS
  __sanitizer_start_switch_fiber(nullptr, to.stack_bottom, to.stack_size);  // this stack is done
#endif
  bctx::jump_fcontext(to.handle, &hop);
  std::abort();
}

}  // namespace picos::detail
