// What Boost.Context's compiled library (libboost_context) would add on Windows, for the header-only
// use of its Windows-fiber variant (BOOST_USE_WINFIB, boost/context/fiber_winfib.hpp).
//
// Debian ships Boost.Context's headers but no mingw build of the library, and picos needs only two
// of its pieces, declared in fiber_winfib.hpp and defined in the library's fiber.cpp:
// - fiber_activation_record::current(): the per-thread pointer to the record of the running fiber.
//   The first call on a thread creates the record of the thread's own context (its constructor
//   converts the thread to a fiber);
// - fiber_activation_record_initializer: the per-thread owner of that record, which deletes it when
//   the thread ends (the destructor converts the fiber back to a thread).
// Everything else the library holds is unused here: picos gives every fiber a `preallocated` area
// (its own stack-pool memory) and a no-op stack allocator (core/context_winfib.hpp), so neither
// stack_traits nor the fixedsize/protected stack allocators are called, and the fcontext assembly
// (jump_fcontext/make_fcontext) is replaced by CreateFiber/SwitchToFiber.
#include <boost/context/fiber.hpp>

#include <cstddef>

namespace boost::context::detail {
namespace {

thread_local fiber_activation_record* running_record = nullptr;
thread_local std::size_t initializer_count = 0;

}  // namespace

fiber_activation_record_initializer::fiber_activation_record_initializer() noexcept {
  if (initializer_count++ == 0) running_record = new fiber_activation_record();
}

fiber_activation_record_initializer::~fiber_activation_record_initializer() {
  if (--initializer_count == 0) {
    delete running_record;
    running_record = nullptr;
  }
}

fiber_activation_record*& fiber_activation_record::current() noexcept {
  // Created on the first use on each thread and destroyed when the thread ends.
  thread_local fiber_activation_record_initializer initializer;
  return running_record;
}

}  // namespace boost::context::detail
