// picos::ThreadPool: a FIFO of jobs served by a fixed set of threads; a waiting task is woken
// through its scheduler's inbox, a waiting thread through a condition variable.
#include "core/scheduler_core.hpp"
#include "poller/io_errors.hpp"

#include <picos/errors.hpp>
#include <picos/thread_pool.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace picos {
namespace detail {

struct PoolSignal {
  std::atomic<bool> done{false};
  SchedulerCore* core = nullptr;  // the waiting task's scheduler, or null for a waiting thread
  Task waiter;
  std::uint32_t wait_seq = 0;
  std::mutex mutex;
  std::condition_variable cv;
};

struct PoolEntry {
  std::unique_ptr<PoolWork> work;
  std::shared_ptr<PoolSignal> signal;
};

class PoolQueue {
 public:
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<PoolEntry> jobs;
  std::vector<std::thread> threads;
  bool stopping = false;
  std::once_flag joined;

  void serve() {
    while (true) {
      PoolEntry entry;
      {
        std::unique_lock<std::mutex> lock(mutex);
        cv.wait(lock, [this] { return stopping || !jobs.empty(); });
        if (jobs.empty()) return;
        entry = std::move(jobs.front());
        jobs.pop_front();
      }
      entry.work->run();
      entry.work.reset();
      complete(entry.signal);
    }
  }

  static void complete(const std::shared_ptr<PoolSignal>& signal) {
    if (signal->core != nullptr) {
      try {
        signal->core->post([signal] {
          signal->done.store(true, std::memory_order_release);
          signal->core->wake_if(signal->waiter.control(), signal->wait_seq, WakeReason::signalled);
        });
      } catch (const SchedulerStopped&) {
        // the waiting task has been unwound with its scheduler
      }
      return;
    }
    std::lock_guard<std::mutex> lock(signal->mutex);
    signal->done.store(true, std::memory_order_release);
    signal->cv.notify_all();
  }

  void stop(bool drop) {
    std::deque<PoolEntry> dropped;
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
      if (drop) dropped.swap(jobs);
    }
    cv.notify_all();
    for (PoolEntry& entry : dropped) {
      entry.work->cancel(std::make_exception_ptr(std::system_error(
          std::make_error_code(std::errc::operation_canceled), "picos: the thread pool was terminated")));
      complete(entry.signal);
    }
    std::call_once(joined, [this] {
      for (std::thread& thread : threads) thread.join();
    });
  }
};

}  // namespace detail

ThreadPool::ThreadPool(std::size_t threads) : queue_(std::make_shared<detail::PoolQueue>()) {
  if (threads == 0) threads = std::max<std::size_t>(2, std::thread::hardware_concurrency());
  for (std::size_t i = 0; i < threads; ++i) {
    queue_->threads.emplace_back([queue = queue_.get()] { queue->serve(); });
  }
}

ThreadPool::~ThreadPool() { queue_->stop(false); }

ThreadPool& ThreadPool::shared() {
  static auto* pool = new ThreadPool(4);
  return *pool;
}

std::size_t ThreadPool::size() const noexcept { return queue_->threads.size(); }

void ThreadPool::join() {
  if (detail::SchedulerCore::current_task() != nullptr) {
    throw WrongContext("picos: ThreadPool::join() blocks the thread; call it from a plain thread");
  }
  queue_->stop(false);
}

void ThreadPool::terminate() {
  if (detail::SchedulerCore::current_task() != nullptr) {
    throw WrongContext("picos: ThreadPool::terminate() blocks the thread; call it from a plain thread");
  }
  queue_->stop(true);
}

void ThreadPool::submit_and_wait(std::unique_ptr<detail::PoolWork> work) {
  auto signal = std::make_shared<detail::PoolSignal>();
  detail::TaskControl* self = detail::SchedulerCore::current_task();
  if (self != nullptr) {
    signal->core = self->core;
    signal->waiter = detail::handle_of(self);
    signal->wait_seq = self->wait_seq + 1;
  }
  {
    std::lock_guard<std::mutex> lock(queue_->mutex);
    if (queue_->stopping) detail::throw_errno(ECANCELED, "ThreadPool::run: the pool was joined or terminated");
    queue_->jobs.push_back(detail::PoolEntry{std::move(work), signal});
  }
  queue_->cv.notify_one();
  if (self == nullptr) {
    std::unique_lock<std::mutex> lock(signal->mutex);
    signal->cv.wait(lock, [&] { return signal->done.load(std::memory_order_acquire); });
    return;
  }
  while (!signal->done.load(std::memory_order_acquire)) {
    const detail::WakeReason reason = self->core->park(detail::WaitKind::io, detail::no_deadline);
    if (reason != detail::WakeReason::signalled && !signal->done.load(std::memory_order_acquire)) {
      detail::throw_errno(ECANCELED, "ThreadPool::run: the waiting task is being unwound");
    }
    signal->wait_seq = self->wait_seq + 1;
  }
}

}  // namespace picos
