#include "core/block_cache.hpp"

#include <new>

namespace picos::detail {

#if defined(_WIN32)
// mingw-w64's emulated TLS may release a thread's thread_local storage before that thread's
// thread_local destructors run, so a per-thread cache that frees its blocks in a destructor is not
// safe there: blocks go straight to the allocator.
void* allocate_task_block(std::size_t size) { return ::operator new(size); }
void free_task_block(void* block) noexcept { ::operator delete(block); }
void* allocate_message_block(std::size_t size) { return ::operator new(size); }
void free_message_block(void* block) noexcept { ::operator delete(block); }
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

// initial-exec: a %fs-relative access instead of a __tls_get_addr() call on every use.
thread_local BlockCache task_blocks __attribute__((tls_model("initial-exec")));
thread_local BlockCache message_blocks __attribute__((tls_model("initial-exec")));

void* take_block(BlockCache& local, std::size_t size) {
  if (local.head != nullptr && size <= local.block_size) {
    FreeBlock* block = local.head;
    local.head = block->next;
    --local.count;
    return block;
  }
  if (size > local.block_size) local.block_size = size;  // one object type uses each cache
  return ::operator new(size);
}

void give_block(BlockCache& local, void* block) noexcept {
  if (local.count >= cached_blocks_per_thread) {
    ::operator delete(block);
    return;
  }
  auto* free_block = static_cast<FreeBlock*>(block);
  free_block->next = local.head;
  local.head = free_block;
  ++local.count;
}

}  // namespace

void* allocate_task_block(std::size_t size) { return take_block(task_blocks, size); }
void free_task_block(void* block) noexcept { give_block(task_blocks, block); }
void* allocate_message_block(std::size_t size) { return take_block(message_blocks, size); }
void free_message_block(void* block) noexcept { give_block(message_blocks, block); }
#endif

}  // namespace picos::detail
