#include "core/stack_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <fstream>
#include <new>

namespace picos::detail {
namespace {

constexpr std::size_t stacks_per_slab = 256;
std::atomic<std::size_t> process_guarded_stacks{0};

std::size_t round_up(std::size_t value, std::size_t unit) { return (value + unit - 1) / unit * unit; }

std::size_t read_max_map_count() noexcept {
  std::ifstream in("/proc/sys/vm/max_map_count");
  std::size_t value = 0;
  if (in >> value && value > 0) return value;
  return 65530;
}

void* map_anonymous(std::size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_NOHUGEPAGE
  // A huge page would make every touched stack cost 2 MiB instead of 4 KiB.
  ::madvise(p, bytes, MADV_NOHUGEPAGE);
#endif
  return p;
}

// Makes the page below `top` resident. A task always writes there first (its initial frame), and
// asking the kernel for the page costs less than taking the page fault: on this project's VM,
// spawning and parking 100k tasks went from 1.38 s to 1.08 s (the first user access to the page
// still costs the hypervisor's part of the fault). Kernels before 5.14 do not know the request;
// they take the fault as before.
void make_top_page_resident(char* top, std::size_t page) noexcept {
#ifdef MADV_POPULATE_WRITE
  static std::atomic<bool> supported{true};
  if (!supported.load(std::memory_order_relaxed)) return;
  if (::madvise(top - page, page, MADV_POPULATE_WRITE) != 0 && errno == EINVAL) {
    supported.store(false, std::memory_order_relaxed);
  }
#else
  (void)top;
  (void)page;
#endif
}

// Claims one guarded-stack slot from the process budget; false when it is spent.
bool claim_guard_slot() noexcept {
  std::size_t current = process_guarded_stacks.load(std::memory_order_relaxed);
  const std::size_t budget = guarded_stack_budget();
  while (current < budget) {
    if (process_guarded_stacks.compare_exchange_weak(current, current + 1, std::memory_order_relaxed)) return true;
  }
  return false;
}

}  // namespace

std::size_t page_size() noexcept {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

std::size_t guarded_stack_budget() noexcept {
  static const std::size_t budget = read_max_map_count() / 16;
  return budget;
}

StackPool::StackPool(std::size_t stack_size)
    : usable_size_(round_up(std::max<std::size_t>(stack_size, 4 * page_size()), page_size())),
      slot_size_(usable_size_ + page_size()),
      page_size_(page_size()) {}

StackPool::~StackPool() {
  for (const Slab& slab : slabs_) ::munmap(slab.base, slab.bytes);
  process_guarded_stacks.fetch_sub(guarded_here_, std::memory_order_relaxed);
}

void StackPool::add_slab() {
  const std::size_t bytes = slot_size_ * stacks_per_slab;
  char* base = static_cast<char*>(map_anonymous(bytes));
  try {
    slabs_.push_back(Slab{base, bytes});
    // Every stack of every slab may be free at once; the array's pages are touched here, while
    // tasks are being created, rather than on the path that ends them.
    free_.resize(slabs_.size() * stacks_per_slab);
  } catch (...) {
    if (!slabs_.empty() && slabs_.back().base == base) slabs_.pop_back();
    ::munmap(base, bytes);
    throw;
  }
  // Stored in reverse so the lowest addresses are handed out first.
  for (std::size_t i = stacks_per_slab; i-- > 0;) {
    char* slot = base + i * slot_size_;
    Stack stack{slot + page_size_, usable_size_, false};
    if (claim_guard_slot()) {
      if (::mprotect(slot, page_size_, PROT_NONE) == 0) {
        stack.guarded = true;
        ++guarded_here_;
      } else {
        process_guarded_stacks.fetch_sub(1, std::memory_order_relaxed);
      }
    }
    free_[free_count_++] = stack;
  }
}

Stack StackPool::acquire() {
  if (free_count_ == 0) add_slab();
  ++in_use_;
  Stack& stack = free_[--free_count_];
  if (!stack.touched) {
    make_top_page_resident(stack.top(), page_size_);
    stack.touched = true;
  }
  return stack;
}

void StackPool::release(const Stack& stack) noexcept {
  --in_use_;
  free_[free_count_++] = stack;
}

SharedStack::SharedStack(std::size_t size) {
  size_ = round_up(std::max<std::size_t>(size, 4 * page_size()), page_size());
  mapping_bytes_ = size_ + page_size();
  mapping_ = map_anonymous(mapping_bytes_);
  ::mprotect(mapping_, page_size(), PROT_NONE);
  top_ = static_cast<char*>(mapping_) + mapping_bytes_;
}

SharedStack::~SharedStack() { ::munmap(mapping_, mapping_bytes_); }

}  // namespace picos::detail
