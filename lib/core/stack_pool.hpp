#pragma once
// Dedicated task stacks carved from large mmap'd slabs and reused after a task ends.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace picos::detail {

struct Stack {
  char* bottom = nullptr;  // lowest usable address (above the guard page when there is one)
  std::size_t size = 0;    // usable bytes
  bool guarded = false;
  bool touched = false;    // its top page has been made resident (see StackPool::acquire)
  [[nodiscard]] char* top() const noexcept { return bottom + size; }
};

// Guard page policy: the lowest page of a stack is made inaccessible (a stack overflow then
// faults at once) while the process has fewer than guarded_stack_budget() guarded stacks. Every
// guarded stack costs two kernel memory mappings, so the budget is one sixteenth of
// vm.max_map_count (4095 stacks with the default 65530) and a process with a million tasks stays
// far below the limit. Stacks beyond the budget are unguarded: whenever such a task switches out
// its stack pointer is checked against the stack's bottom and an overflow aborts with a message
// naming the task (detection after the fact; nothing is written to the stack's low pages, so they
// are never made resident).
[[nodiscard]] std::size_t guarded_stack_budget() noexcept;

// One pool per stack size. Not thread-safe: owned by one scheduler.
class StackPool {
 public:
  explicit StackPool(std::size_t stack_size);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  // A stack from the free list, or a new slab. The top page of a stack handed out for the first
  // time is made resident at once. Throws std::bad_alloc when mmap fails.
  [[nodiscard]] Stack acquire();
  // Returns a stack for reuse (its touched pages stay resident until reused).
  void release(const Stack& stack) noexcept;

  [[nodiscard]] std::size_t stack_size() const noexcept { return usable_size_; }
  [[nodiscard]] std::size_t stacks_in_use() const noexcept { return in_use_; }

  // False when `stack_pointer` lies outside the usable part of `stack` (an overflow).
  [[nodiscard]] static bool contains(const Stack& stack, const void* stack_pointer) noexcept {
    auto* p = static_cast<const char*>(stack_pointer);
    return p > stack.bottom && p <= stack.top();
  }

 private:
  void add_slab();

  struct Slab {
    void* base;
    std::size_t bytes;
  };
  std::size_t usable_size_;
  std::size_t slot_size_;  // usable + guard page
  std::size_t page_size_;
  std::vector<Slab> slabs_;
  // POSIX: a slot for every stack of every slab, the first free_count_ of them free; sized when a
  // slab is added so that releasing a stack never grows (and page-faults in) a new array.
  std::vector<Stack> free_;
  std::size_t free_count_ = 0;
  std::size_t in_use_ = 0;
  std::size_t guarded_here_ = 0;
};

// The shared stack of compact tasks: one mapping with a guard page below it.
class SharedStack {
 public:
  explicit SharedStack(std::size_t size);
  ~SharedStack();
  SharedStack(const SharedStack&) = delete;
  SharedStack& operator=(const SharedStack&) = delete;
  [[nodiscard]] char* top() const noexcept { return top_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool contains(const void* address) const noexcept {
    auto* p = static_cast<const char*>(address);
    return p >= top_ - size_ && p < top_;
  }

 private:
  void* mapping_;
  std::size_t mapping_bytes_;
  char* top_;
  std::size_t size_;
};

[[nodiscard]] std::size_t page_size() noexcept;

}  // namespace picos::detail
