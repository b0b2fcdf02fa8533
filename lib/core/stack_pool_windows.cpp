// The stack pool on Windows (see stack_pool.hpp): slabs from VirtualAlloc instead of mmap.
// A task runs on its Windows fiber's own stack (core/context_winfib.hpp), which ends in a guard
// page, so every stack counts as guarded; the pool area of a task holds its body and Boost's fiber
// record. Committed pages cost nothing until they are touched.
#include "core/stack_pool.hpp"

#include <windows.h>

#include <algorithm>
#include <new>

namespace picos::detail {
namespace {

constexpr std::size_t stacks_per_slab = 256;

std::size_t round_up(std::size_t value, std::size_t unit) { return (value + unit - 1) / unit * unit; }

void* allocate_pages(std::size_t bytes) {
  void* p = ::VirtualAlloc(nullptr, bytes, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

std::size_t page_size() noexcept {
  static const std::size_t size = [] {
    SYSTEM_INFO info;
    ::GetSystemInfo(&info);
    return static_cast<std::size_t>(info.dwPageSize);
  }();
  return size;
}

// The pool makes no guard pages on Windows (the fiber stacks carry Windows' own), so it spends
// none of a mapping budget.
std::size_t guarded_stack_budget() noexcept { return 0; }

StackPool::StackPool(std::size_t stack_size)
    : usable_size_(round_up(std::max<std::size_t>(stack_size, 4 * page_size()), page_size())),
      slot_size_(usable_size_),
      page_size_(page_size()) {}

StackPool::~StackPool() {
  for (const Slab& slab : slabs_) ::VirtualFree(slab.base, 0, MEM_RELEASE);
}

void StackPool::add_slab() {
  const std::size_t bytes = slot_size_ * stacks_per_slab;
  char* base = static_cast<char*>(allocate_pages(bytes));
  slabs_.push_back(Slab{base, bytes});
  free_.reserve(free_.size() + stacks_per_slab);
  for (std::size_t i = stacks_per_slab; i-- > 0;) free_.push_back(Stack{base + i * slot_size_, usable_size_, true});
  guarded_here_ += stacks_per_slab;
}

Stack StackPool::acquire() {
  if (free_.empty()) add_slab();
  Stack stack = free_.back();
  free_.pop_back();
  ++in_use_;
  return stack;
}

void StackPool::release(const Stack& stack) noexcept {
  --in_use_;
  free_.push_back(stack);
}

// Compact mode is not available on Windows (core/context_winfib.hpp); the shared stack is still a
// plain area so the scheduler's layout stays the same.
SharedStack::SharedStack(std::size_t size) {
  size_ = round_up(std::max<std::size_t>(size, 4 * page_size()), page_size());
  mapping_bytes_ = size_;
  mapping_ = ::VirtualAlloc(nullptr, mapping_bytes_, MEM_RESERVE, PAGE_NOACCESS);
  if (mapping_ == nullptr) throw std::bad_alloc();
  top_ = static_cast<char*>(mapping_) + mapping_bytes_;
}

SharedStack::~SharedStack() { ::VirtualFree(mapping_, 0, MEM_RELEASE); }

}  // namespace picos::detail
