#include "core/context.hpp"

#include <boost/context/detail/fcontext.hpp>

#include <cstdlib>

#if defined(__SANITIZE_ADDRESS__)
#define PICOS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PICOS_ASAN 1
#endif
#endif

namespace bctx = boost::context::detail;

// libstdc++ and libc++ both lay out the per-thread exception globals as {caught list, uncaught
// count}; we only copy those two fields in and out.
extern "C" void* __cxa_get_globals() noexcept;  // NOLINT(bugprone-reserved-identifier)

namespace picos::detail {
namespace {

struct RuntimeExceptionGlobals {
  void* caught;
  unsigned int uncaught;
};

// initial-exec: a plain %fs-relative load on each switch instead of a __tls_get_addr call.
thread_local RuntimeExceptionGlobals* tl_globals __attribute__((tls_model("initial-exec"))) = nullptr;

RuntimeExceptionGlobals* globals() noexcept {
  if (tl_globals == nullptr) tl_globals = static_cast<RuntimeExceptionGlobals*>(__cxa_get_globals());
  return tl_globals;
}

// Passed through jump_fcontext so the resumed side can record where the switch came from; it
// lives on the switching side's stack and is read before anything else runs.
struct Hop {
  ExecutionContext* from;
  ExecutionContext* to;
};

inline void save_exceptions(ExecutionContext& from, RuntimeExceptionGlobals* g) noexcept {
  from.exceptions.caught = g->caught;
  from.exceptions.uncaught = g->uncaught;
}
inline void load_exceptions(const ExecutionContext& to, RuntimeExceptionGlobals* g) noexcept {
  g->caught = to.exceptions.caught;
  g->uncaught = to.exceptions.uncaught;
}

void trampoline(bctx::transfer_t transfer) {
  auto* hop = static_cast<Hop*>(transfer.data);
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

void switch_context(ExecutionContext& from, ExecutionContext& to) noexcept {
  RuntimeExceptionGlobals* g = globals();
  save_exceptions(from, g);
  load_exceptions(to, g);
  Hop hop{&from, &to};
  bctx::transfer_t back = bctx::jump_fcontext(to.handle, &hop);
  static_cast<Hop*>(back.data)->from->handle = back.fctx;
}

void exit_context(ExecutionContext& to) noexcept {
  RuntimeExceptionGlobals* g = globals();
  load_exceptions(to, g);
  ExecutionContext discarded;
  Hop hop{&discarded, &to};
  bctx::jump_fcontext(to.handle, &hop);
  std::abort();
}

}  // namespace picos::detail
