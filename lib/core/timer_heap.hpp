#pragma once
// Deadlines of parked tasks: a binary min-heap of tasks keyed by TaskControl::deadline, each task
// knowing its own index so a wait that ends early removes its timer in O(log n). A task has at
// most one deadline at a time, so cancelled timers cannot pile up.

#include "core/task_control.hpp"

#include <cstdint>
#include <vector>

namespace picos::detail {

class TimerHeap {
 public:
  void push(TaskControl* task);
  void remove(TaskControl* task) noexcept;
  [[nodiscard]] bool empty() const noexcept { return heap_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }
  [[nodiscard]] TaskControl* top() const noexcept { return heap_.front(); }
  // Removes and returns the earliest task if its deadline is at or before `now`, else nullptr.
  TaskControl* pop_expired(std::int64_t now) noexcept;

 private:
  void sift_up(std::size_t index) noexcept;
  void sift_down(std::size_t index) noexcept;
  void place(std::size_t index, TaskControl* task) noexcept {
    heap_[index] = task;
    task->heap_index = static_cast<std::uint32_t>(index);
  }
  std::vector<TaskControl*> heap_;
};

}  // namespace picos::detail
