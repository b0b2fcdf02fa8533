#include "core/timer_heap.hpp"

namespace picos::detail {

void TimerHeap::push(TaskControl* task) {
  heap_.push_back(task);
  task->heap_index = static_cast<std::uint32_t>(heap_.size() - 1);
  sift_up(heap_.size() - 1);
}

void TimerHeap::remove(TaskControl* task) noexcept {
  const std::size_t index = task->heap_index;
  task->heap_index = not_in_heap;
  TaskControl* last = heap_.back();
  heap_.pop_back();
  if (index == heap_.size()) return;
  place(index, last);
  sift_up(index);
  sift_down(last->heap_index);
}

TaskControl* TimerHeap::pop_expired(std::int64_t now) noexcept {
  if (heap_.empty() || heap_.front()->deadline > now) return nullptr;
  TaskControl* task = heap_.front();
  remove(task);
  return task;
}

void TimerHeap::sift_up(std::size_t index) noexcept {
  TaskControl* moving = heap_[index];
  while (index > 0) {
    const std::size_t parent = (index - 1) / 2;
    if (heap_[parent]->deadline <= moving->deadline) break;
    place(index, heap_[parent]);
    index = parent;
  }
  place(index, moving);
}

void TimerHeap::sift_down(std::size_t index) noexcept {
  TaskControl* moving = heap_[index];
  const std::size_t count = heap_.size();
  while (true) {
    std::size_t child = 2 * index + 1;
    if (child >= count) break;
    if (child + 1 < count && heap_[child + 1]->deadline < heap_[child]->deadline) ++child;
    if (heap_[child]->deadline >= moving->deadline) break;
    place(index, heap_[child]);
    index = child;
  }
  place(index, moving);
}

}  // namespace picos::detail
