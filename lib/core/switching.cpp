// Parking, waking and the context switches between tasks, including the compact-stack copies.
#include "core/scheduler_core.hpp"

#include <picos/errors.hpp>
#include <picos/log.hpp>
#include <picos/this_task.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <utility>

namespace picos::detail {
namespace {
// How many task-to-task switches may happen before control returns to the loop, so that timers,
// I/O and the inbox are looked at even while tasks keep yielding to each other.
constexpr int switches_per_pass = 256;
// When many parked tasks are woken at once their blocks and stacks have left the cache; while one
// runs, the next ones' are loaded (see prefetch_behind()). Sixteen lines (1 KiB from the saved
// stack pointer, never past the stack's top) cover the saved registers and every frame of a task
// parked in suspend() or receive(); with only the four innermost lines, the frames above them
// still missed and resuming 100k parked tasks took 2.7x as long.
constexpr int stack_lines_to_prefetch = 16;
constexpr std::size_t cache_line = 64;
constexpr int task_block_hot_lines = 4;  // see the layout of TaskControl

using HotSwapRaiser = void (*)(TaskControl&);

// The saved stack pointer of a parked task with a stack of its own; null for a task that has not
// started yet and for compact tasks (their bytes wait in a heap copy).
const char* saved_stack_pointer(const TaskControl* task) noexcept {
  return task->compact ? nullptr : static_cast<const char*>(task->context.handle);
}

// A load the compiler must keep; nothing depends on its value.
__attribute__((no_sanitize_address)) void touch_memory(const char* address) noexcept {
  const char value = *static_cast<const volatile char*>(address);
  asm volatile("" : : "r"(value));
}
}  // namespace

// Set by the hotswap module when it is linked in; null means hot swap requests are ignored.
HotSwapRaiser hot_swap_raiser = nullptr;

// ---- ready queue -------------------------------------------------------------------------------

void SchedulerCore::push_ready(TaskControl* task) noexcept {
  task->ready_next = nullptr;
  if (ready_tail_ != nullptr) ready_tail_->ready_next = task;
  else ready_head_ = task;
  ready_tail_ = task;
}

TaskControl* SchedulerCore::pop_ready() noexcept {
  TaskControl* task = ready_head_;
  if (task != nullptr) {
    ready_head_ = task->ready_next;
    if (ready_head_ == nullptr) ready_tail_ = nullptr;
  }
  return task;
}

// ---- waking ------------------------------------------------------------------------------------

bool SchedulerCore::wake(TaskControl* task, WakeReason reason) noexcept {
  if (task->state != TaskState::parked) return false;
  if (task->wait_queue != nullptr) task->wait_queue->remove(task);
  if (task->heap_index != not_in_heap) timers_.remove(task);
  task->wake_reason = reason;
  task->state = TaskState::ready;
  push_ready(task);
  return true;
}

bool SchedulerCore::wake_if(TaskControl* task, std::uint32_t wait_seq, WakeReason reason) noexcept {
  return task->wait_seq == wait_seq && wake(task, reason);
}

TaskControl* SchedulerCore::wake_one(WaitQueue& queue, WakeReason reason) noexcept {
  TaskControl* task = queue.front();
  if (task != nullptr) wake(task, reason);
  return task;
}

void SchedulerCore::interrupt(TaskControl* task, std::uint8_t bits) noexcept {
  if (task->state == TaskState::ended) return;
  task->interrupts |= bits;
  if (task->state == TaskState::parked) wake(task, WakeReason::interrupted);
}

void SchedulerCore::raise_interrupts(TaskControl& self, WaitKind kind) {
  if ((self.interrupts & interrupt_terminate) != 0) {
    // Blocking inside a destructor during unwinding would throw out of it; report a timeout.
    if (std::uncaught_exceptions() > 0) return;
    throw TaskTerminateUnwind{};
  }
  if ((self.interrupts & interrupt_exception) != 0) {
    self.interrupts &= static_cast<std::uint8_t>(~interrupt_exception);
    std::exception_ptr error = std::exchange(self.error, nullptr);
    if (error) std::rethrow_exception(error);
  }
  if ((self.interrupts & interrupt_hot_swap) != 0 && hot_swap_raiser != nullptr &&
      (kind == WaitKind::suspend || kind == WaitKind::receive || kind == WaitKind::none)) {
    hot_swap_raiser(self);
  }
}

// ---- parking -----------------------------------------------------------------------------------

// flatten: one call level between the caller and the context switch (see context.hpp).
__attribute__((flatten)) WakeReason SchedulerCore::park(WaitKind kind, std::int64_t deadline) {
  if (switch_out_hook_ != nullptr) std::exchange(switch_out_hook_, nullptr)();
  TaskControl* self = current_;
  if (self->interrupts != 0) {
    raise_interrupts(*self, kind);
    if ((self->interrupts & interrupt_terminate) != 0) return WakeReason::timed_out;
  }
  self->state = TaskState::parked;
  self->wait_kind = kind;
  self->wake_reason = WakeReason::none;
  ++self->wait_seq;
  if (deadline != no_deadline) {
    self->deadline = deadline;
    timers_.push(self);
  }
  switch_out(self, true);
  self->wait_kind = WaitKind::none;
  const WakeReason reason = self->wake_reason;
  if (self->interrupts != 0) raise_interrupts(*self, kind);
  return reason;
}

WakeReason SchedulerCore::park_on(WaitQueue& queue, WaitKind kind, std::int64_t deadline) {
  TaskControl* self = current_;
  if (self->interrupts != 0) {
    raise_interrupts(*self, kind);
    if ((self->interrupts & interrupt_terminate) != 0) return WakeReason::timed_out;
  }
  queue.push_back(self);
  self->wait_queue = &queue;
  try {
    return park(kind, deadline);
  } catch (...) {
    if (self->wait_queue != nullptr) self->wait_queue->remove(self);
    throw;
  }
}

__attribute__((flatten)) void SchedulerCore::yield() {
  if (switch_out_hook_ != nullptr) std::exchange(switch_out_hook_, nullptr)();
  TaskControl* self = current_;
  if (self->interrupts != 0) raise_interrupts(*self, WaitKind::none);
  self->state = TaskState::ready;
  push_ready(self);
  switch_out(self, false);
  if (self->interrupts != 0) raise_interrupts(*self, WaitKind::none);
}

// ---- switching ---------------------------------------------------------------------------------

void SchedulerCore::check_stack(const TaskControl* self) const noexcept {
  if (self->compact || self->stack.guarded) return;
  const char probe = 0;
  if (!StackPool::contains(self->stack, &probe)) {
    std::fprintf(stderr, "picos: task %s/%llu overflowed its %zu-byte stack; aborting\n", self->name.c_str(),
                 static_cast<unsigned long long>(self->id), self->stack.size);
    std::abort();
  }
}

void SchedulerCore::prefetch_behind(const TaskControl* next) noexcept {
  // Three steps, one task apart, so each finds what the step before started already loaded:
  // the block of the task three places behind `next` is prefetched; the stack top of the task two
  // places behind is read for real, because on the machines measured (AMD EPYC under a VM) a
  // software prefetch that misses the TLB is dropped, and parked tasks' stacks are 64 KiB apart,
  // so every one is a TLB miss; the read's page walk overlaps with the work of the task before.
  // The other stack lines of the task right behind `next` are prefetched (its page is now known).
  const TaskControl* after = next->ready_next;
  if (after == nullptr) return;
  if (const char* saved = saved_stack_pointer(after)) {
    const char* end = std::min<const char*>(after->stack.top(), saved + stack_lines_to_prefetch * cache_line);
    for (const char* line = saved; line < end; line += cache_line) __builtin_prefetch(line);
  }
  const TaskControl* later = after->ready_next;
  if (later == nullptr) return;
  if (const char* saved = saved_stack_pointer(later)) touch_memory(saved);
  if (const TaskControl* latest = later->ready_next) {
    const auto* block = reinterpret_cast<const char*>(latest);
    for (int line = 0; line < task_block_hot_lines; ++line) __builtin_prefetch(block + line * cache_line);
  }
}

TaskControl* SchedulerCore::next_direct(bool look_ahead) noexcept {
  if (switch_budget_ <= 0) return nullptr;
  TaskControl* next = pop_ready();
  if (next == nullptr) return nullptr;
  if (look_ahead) prefetch_behind(next);
  if (next->compact && shared_owner_ != next) {
    loop_next_ = next;  // its stack must be copied in from the loop's stack
    return nullptr;
  }
  --switch_budget_;
  return next;
}

void SchedulerCore::switch_out(TaskControl* self, bool look_ahead) noexcept {
  check_stack(self);
  TaskControl* next = next_direct(look_ahead);
  if (next == self) {
    self->state = TaskState::running;
    return;
  }
  // A compact task switches without the return-predictor trick: that trick parks the stack
  // pointer below the red zone, and those 128 bytes would be copied out with every compact task.
  ExecutionContext& to = next != nullptr ? next->context : loop_context_;
  if (next != nullptr) next->state = TaskState::running;
  current_ = next;
  if (self->compact) {
    switch_context<SwitchKind::plain>(self->context, to);
  } else {
    switch_context(self->context, to);
  }
}

void SchedulerCore::save_shared_stack_owner() noexcept {
  TaskControl* owner = shared_owner_;
  if (owner == nullptr) return;
  shared_owner_ = nullptr;
  char* sp = static_cast<char*>(owner->context.handle);
  const auto used = static_cast<std::uint32_t>(shared_stack_.top() - sp);
  if (used > owner->saved_capacity) {
    std::free(owner->saved_stack);
    owner->saved_stack = static_cast<char*>(std::malloc(used));
    if (owner->saved_stack == nullptr) {
      std::fputs("picos: out of memory while saving a compact task's stack; aborting\n", stderr);
      std::abort();
    }
    owner->saved_capacity = used;
  }
  copy_stack_bytes(owner->saved_stack, sp, used);
  owner->saved_size = used;
}

void SchedulerCore::resume_from_loop(TaskControl* task) noexcept {
  if (task->compact && shared_owner_ != task) {
    save_shared_stack_owner();
    if (!task->started) {
      forget_stack_frames(shared_stack_.top() - shared_stack_.size(), shared_stack_.size());
      make_context(task->context, shared_stack_.top(), shared_stack_.size(), &task_main);
    } else {
      forget_stack_frames(shared_stack_.top() - shared_stack_.size(), shared_stack_.size());
      copy_stack_bytes(shared_stack_.top() - task->saved_size, task->saved_stack, task->saved_size);
      // Keep the buffer only while it is small; a parked task then costs just its used bytes.
      if (task->saved_capacity > 4096) {
        std::free(task->saved_stack);
        task->saved_stack = nullptr;
        task->saved_capacity = 0;
      }
    }
    shared_owner_ = task;
  }
  task->state = TaskState::running;
  current_ = task;
  switch_context(loop_context_, task->context);
  current_ = nullptr;
}

void SchedulerCore::run_ready() noexcept {
  switch_budget_ = switches_per_pass;
  while (true) {
    TaskControl* next = std::exchange(loop_next_, nullptr);
    if (next == nullptr) {
      if (switch_budget_ <= 0) break;
      next = pop_ready();
      if (next == nullptr) break;
      prefetch_behind(next);
    }
    --switch_budget_;
    resume_from_loop(next);
  }
}

}  // namespace picos::detail

namespace picos::this_task {
// Here rather than in this_task.cpp so the whole switch inlines into it: one call level between
// the task's code and jump_fcontext.
__attribute__((flatten)) void yield() {
  detail::SchedulerCore::require_task("this_task::yield()").core->yield();
}
}  // namespace picos::this_task
