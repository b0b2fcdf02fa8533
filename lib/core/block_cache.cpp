#include "core/block_cache.hpp"

#include <new>

namespace picos::detail {
namespace {
}  // namespace

#if defined(_WIN32)
// mingw-w64's emulated TLS may release a thread's thread_local storage before that thread's
// thread_local destructors run, so a per-thread cache that frees its blocks in a destructor is not
// safe there: blocks go straight to the allocator.
void* allocate_task_block(std::size_t size) { return ::operator new(size); }
void free_task_block(void* block) noexcept { ::operator delete(block); }
#else
namespace {

constexpr std::size_t cached_blocks_per_thread = 4096;

struct FreeBlock {
  FreeBlock* next;
};

struct BlockCache {
  FreeBlock* head = nullptr;
  std::size_t count = 0;
  std::size_t block_size = 0;
  ~BlockCache() {
    while (head != nullptr) {
      FreeBlock* block = head;
      head = block->next;
      ::operator delete(block);
    }
  }
};

// initial-exec: a %fs-relative access instead of a __tls_get_addr() call on every spawn and end.
thread_local BlockCache cache __attribute__((tls_model("initial-exec")));

}  // namespace

void* allocate_task_block(std::size_t size) {
  BlockCache& local = cache;
  if (local.head != nullptr && size <= local.block_size) {
    FreeBlock* block = local.head;
    local.head = block->next;
    --local.count;
    return block;
  }
  if (size > local.block_size) local.block_size = size;  // one object type uses the cache
  return ::operator new(size);
}

void free_task_block(void* block) noexcept {
  BlockCache& local = cache;
  if (local.count >= cached_blocks_per_thread) {
    ::operator delete(block);
    return;
  }
  auto* free_block = static_cast<FreeBlock*>(block);
  free_block->next = local.head;
  local.head = free_block;
  ++local.count;
}
#endif

}  // namespace picos::detail
