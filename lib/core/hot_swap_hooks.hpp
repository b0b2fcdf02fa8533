#pragma once
// The two hooks through which the hotswap module (lib/hotswap) plugs into the core. Both are null
// until that module installs them; then hot swap requests are ignored by the core.

#include "core/task_control.hpp"

#include <exception>

namespace picos::detail {

// Called by raise_interrupts() at suspend/receive waits and yield() when interrupt_hot_swap is
// set: throws the pending HotSwap request, or returns to postpone it (defined in switching.cpp).
extern void (*hot_swap_raiser)(TaskControl&);

// Called by task_main() with an exception that escaped the task's function: when it is an
// accepted HotSwap, renames the task as asked and returns the new body (heap-allocated; the core
// owns it from then on), else returns nullptr (defined in task_lifecycle.cpp).
extern Runnable* (*hot_swap_acceptor)(TaskControl&, const std::exception_ptr&);

}  // namespace picos::detail
