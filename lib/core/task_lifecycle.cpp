// Creating tasks, running their bodies and ending them.
#include "core/scheduler_core.hpp"
#include "core/exception_info.hpp"
#include "core/hot_swap_hooks.hpp"

#include <picos/errors.hpp>
#include <picos/log.hpp>

#include <cstdlib>
#include <new>
#include <utility>

namespace picos::detail {
namespace {
std::atomic<std::uint64_t> next_task_id_block{0};
constexpr std::uint64_t task_ids_per_block = 1024;

// Ids are unique in the process and never reused; each thread takes them in blocks so that
// spawning needs no locked instruction.
std::uint64_t new_task_id() noexcept {
  constinit thread_local std::uint64_t next __attribute__((tls_model("initial-exec"))) = 0;
  constinit thread_local std::uint64_t limit __attribute__((tls_model("initial-exec"))) = 0;
  if (next == limit) {
    next = next_task_id_block.fetch_add(1, std::memory_order_relaxed) * task_ids_per_block + 1;
    limit = next + task_ids_per_block - 1;
  }
  return next++;
}

std::size_t align_down(std::size_t value, std::size_t alignment) { return value & ~(alignment - 1); }

// Builds a task body on the heap with the allocation `new R(...)` would make, so that the plain
// `delete runnable` (through the virtual destructor) frees it correctly.
Runnable* construct_on_heap(const RunnableRecipe& recipe) {
  const bool over_aligned = recipe.align > __STDCPP_DEFAULT_NEW_ALIGNMENT__;
  void* memory = over_aligned ? ::operator new(recipe.size, std::align_val_t(recipe.align))
                              : ::operator new(recipe.size);
  try {
    return recipe.construct(memory, recipe.context);
  } catch (...) {
    if (over_aligned) ::operator delete(memory, std::align_val_t(recipe.align));
    else ::operator delete(memory);
    throw;
  }
}
}  // namespace

void retain(TaskControl* control) noexcept { control->refs.fetch_add(1, std::memory_order_relaxed); }

void release(TaskControl* control) noexcept {
  if (control->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete control;
}

TaskControl::~TaskControl() {
  while (mail_head != nullptr) delete std::exchange(mail_head, mail_head->next);
  std::free(saved_stack);
}

void WaitQueue::push_back(TaskControl* task) noexcept {
  task->wait_next = nullptr;
  task->wait_prev = tail_;
  if (tail_ != nullptr) tail_->wait_next = task;
  else head_ = task;
  tail_ = task;
}

void WaitQueue::remove(TaskControl* task) noexcept {
  if (task->wait_prev != nullptr) task->wait_prev->wait_next = task->wait_next;
  else head_ = task->wait_next;
  if (task->wait_next != nullptr) task->wait_next->wait_prev = task->wait_prev;
  else tail_ = task->wait_prev;
  task->wait_prev = task->wait_next = nullptr;
  task->wait_queue = nullptr;
}

TaskControl* WaitQueue::pop_front() noexcept {
  TaskControl* task = head_;
  if (task != nullptr) remove(task);
  return task;
}

Task spawn_task(Scheduler* scheduler, TaskOptions options, const RunnableRecipe& recipe) {
  Scheduler& target = scheduler != nullptr ? *scheduler : Scheduler::current();
  return target.core().spawn(std::move(options), recipe);
}

Task SchedulerCore::spawn(TaskOptions&& options, const RunnableRecipe& recipe) {
  if (stopped()) throw SchedulerStopped("picos: cannot spawn a task on a finished or terminated scheduler");
  auto* task = new TaskControl;
  task->refs.store(2, std::memory_order_relaxed);  // the scheduler's and the returned handle's
  task->core = this;
  task->id = new_task_id();
  task->name = std::move(options.name);
  task->daemon = options.daemon;
  task->compact = compact_stacks_supported && options.stack_mode.value_or(options_.stack_mode) == StackMode::compact;
  Task handle = Task::adopt(task);
  const bool here = is_loop_thread();
  if (!here && !task->daemon) queued_non_daemon_.fetch_add(1, std::memory_order_acq_rel);
  try {
    if (!task->compact) task->stack_pool = &pool_for(options.stack_size);
    if (here) {
      admit(task, &recipe, false);
    } else {
      task->runnable = construct_on_heap(recipe);
      post([this, task] {
        try {
          admit(task, nullptr, true);
        } catch (...) {
          fail_unadmitted(task, std::current_exception());
        }
      });
    }
  } catch (...) {
    if (!here && !task->daemon) queued_non_daemon_.fetch_sub(1, std::memory_order_acq_rel);
    if (task->runnable != nullptr) delete task->runnable;
    task->runnable = nullptr;
    task->ended.store(true, std::memory_order_release);
    task->state = TaskState::ended;
    release(task);
    throw;
  }
  return handle;
}

void SchedulerCore::admit(TaskControl* task, const RunnableRecipe* recipe, bool queued) {
  if (!task->compact) {
    task->stack = task->stack_pool->acquire();
    // A reused stack may still carry the sanitizer's marks of the frames its last task left.
    forget_stack_frames(task->stack.bottom, task->stack.size);
    std::size_t top = reinterpret_cast<std::size_t>(task->stack.top());
    if (recipe != nullptr) {
      // The body lives at the top of its own stack: no allocation, and the page is touched anyway.
      top = align_down(top - recipe->size, recipe->align > 16 ? recipe->align : 16);
      try {
        task->runnable = recipe->construct(reinterpret_cast<void*>(top), recipe->context);
      } catch (...) {
        task->stack_pool->release(task->stack);
        throw;
      }
      task->runnable_on_stack = true;
    }
    auto* stack_top = reinterpret_cast<char*>(top);
    make_context(task->context, stack_top, static_cast<std::size_t>(stack_top - task->stack.bottom), &task_main);
  } else if (recipe != nullptr) {
    task->runnable = construct_on_heap(*recipe);
  }
  link_live(task);
  count_admitted(*task);
  if (queued && !task->daemon) queued_non_daemon_.fetch_sub(1, std::memory_order_acq_rel);
  task->state = TaskState::ready;
  push_ready(task);
}

void SchedulerCore::fail_unadmitted(TaskControl* task, std::exception_ptr error) noexcept {
  delete task->runnable;
  task->runnable = nullptr;
  task->error = std::move(error);
  task->end_kind = EndKind::failed;
  task->state = TaskState::ended;
  task->ended.store(true, std::memory_order_seq_cst);
  if (!task->daemon) queued_non_daemon_.fetch_sub(1, std::memory_order_acq_rel);
  const ExceptionInfo info = describe(task->error);
  log(LogLevel::error, "task ", task->name, "/", task->id, " could not start: ", info.message);
  notify_thread_waiters();
  release(task);
}

Runnable* (*hot_swap_acceptor)(TaskControl&, const std::exception_ptr&) = nullptr;

void task_main() {
  SchedulerCore* core = SchedulerCore::on_this_thread();
  TaskControl* self = SchedulerCore::current_task();
  self->started = true;
  bool restart = true;
  while (restart) {  // an accepted hot swap unwinds the body and starts the new one here
    restart = false;
    try {
      if (self->interrupts != 0) core->raise_interrupts(*self, WaitKind::none);
      // A body without a value leaves `result` (a cache line of its own) untouched.
      Message returned = self->runnable->run();
      if (!returned.empty()) self->result = std::move(returned);
      self->end_kind = EndKind::finished;
    } catch (const TaskTerminateUnwind&) {
      self->end_kind = EndKind::terminated;
    } catch (...) {
      Runnable* swapped = hot_swap_acceptor != nullptr ? hot_swap_acceptor(*self, std::current_exception()) : nullptr;
      if (swapped != nullptr) {
        if (self->runnable_on_stack) self->runnable->~Runnable();
        else delete self->runnable;
        self->runnable = swapped;
        self->runnable_on_stack = false;
        restart = true;
      } else {
        self->error = std::current_exception();
        self->end_kind = EndKind::failed;
        const ExceptionInfo info = describe(self->error);
        log(LogLevel::warning, "task ", self->name, "/", self->id, " failed with ", info.type, ": ", info.message);
      }
    }
  }
  core->end_current_task(self);
}

void SchedulerCore::end_current_task(TaskControl* self) noexcept {
  if (self->runnable != nullptr) {
    if (self->runnable_on_stack) self->runnable->~Runnable();
    else delete self->runnable;
    self->runnable = nullptr;
  }
  if (switch_out_hook_ != nullptr) std::exchange(switch_out_hook_, nullptr)();
  check_stack(self);
  finalize_end(self);
  if (!self->compact) self->stack_pool->release(self->stack);
  else if (shared_owner_ == self) shared_owner_ = nullptr;
  TaskControl* next = next_direct(true);
  release(self);  // the scheduler's reference; `self` may be gone now
  if (next != nullptr) {
    next->state = TaskState::running;
    current_ = next;
    exit_context(next->context);
  }
  current_ = nullptr;
  exit_context(loop_context_);
}

}  // namespace picos::detail
