#pragma once
// Per-thread caches of equally sized memory blocks, for objects that are made and freed at a
// high rate (task control blocks, mailbox nodes). glibc returns freed memory at the top of the heap to the kernel
// and faults it back in on the next burst; keeping a bounded number of blocks per thread avoids
// that round trip. Blocks freed on another thread simply join that thread's cache.

#include <cstddef>

namespace picos::detail {

// Returns a block of at least `size` bytes (max_align_t aligned). Throws std::bad_alloc.
void* allocate_task_block(std::size_t size);
// Gives a block from allocate_task_block() back (to this thread's cache, or to the heap when the
// cache is full). Never throws.
void free_task_block(void* block) noexcept;

// The same for mailbox nodes (a cache of its own: the block size differs).
void* allocate_message_block(std::size_t size);
void free_message_block(void* block) noexcept;

}  // namespace picos::detail
