#include "core/context.hpp"

#include <cstdlib>

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
}

void exit_context(ExecutionContext& to) noexcept {
  *exception_state() = to.exceptions;
  ExecutionContext discarded;
  ContextHop hop{&discarded, &to};
  bctx::jump_fcontext(to.handle, &hop);
  std::abort();
}

}  // namespace picos::detail
