// Boost.Fiber peer of picos-bench: the scenarios written with boost::fibers on one thread and the
// default round_robin scheduler (FIFO, like picos). Prints the protocol line of
// bench/common/protocol.hpp.
//
// Usage: boost-fiber-peer <scenario> <impl> <n>
//   impl boost-fiber         default fixedsize_stack (malloc'd, 128 KiB); unbuffered_channel
//   impl boost-fiber-pooled  pooled_fixedsize_stack (scale, churn, fanout, lock)
//   impl boost-fiber-buffered buffered_channel (pingpong)
#include <boost/fiber/all.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "../common/meter.hpp"
#include "../common/protocol.hpp"

namespace {

using picos_bench::Figures;
using picos_bench::Stopwatch;
namespace fibers = boost::fibers;

constexpr std::uint64_t churn_batch = 1000;  // most tasks alive at once in churn
constexpr int fanout_messages = 100;         // messages broadcast in fanout
constexpr std::size_t fanout_capacity = 128; // mailbox capacity (power of two >= messages)
constexpr int lock_tasks = 1000;             // fibers contending in lock

[[noreturn]] void unknown_impl(std::string_view impl) {
  throw std::invalid_argument("unknown impl for this scenario: " + std::string(impl));
}

/// Calls body(stack_allocator) with the stack allocator the impl names.
template <class Body>
Figures with_stack_allocator(std::string_view impl, Body body) {
  if (impl == "boost-fiber") return body(fibers::fixedsize_stack{});
  if (impl == "boost-fiber-pooled") return body(fibers::pooled_fixedsize_stack{});
  unknown_impl(impl);
}

/// Yields the calling fiber until `counter` reaches `target`.
void yield_until(const std::uint64_t& counter, std::uint64_t target) {
  while (counter < target) boost::this_fiber::yield();
}

/// A parked fiber's wake-up condition (what a Boost.Fiber user writes to park one fiber).
struct Gate {
  fibers::mutex mutex;
  fibers::condition_variable cv;
  bool open = false;

  void wait() {
    std::unique_lock lock(mutex);
    cv.wait(lock, [this] { return open; });
  }
  void release() {
    {
      std::lock_guard lock(mutex);
      open = true;
    }
    cv.notify_one();
  }
};

Figures scale(std::string_view impl, std::uint64_t n) {
  return with_stack_allocator(impl, [n](auto salloc) {
    std::uint64_t parked = 0;
    std::uint64_t finished = 0;
    const long before = picos_bench::rss_kib();
    Stopwatch clock;
    auto gates = std::make_unique<Gate[]>(n);
    std::vector<fibers::fiber> tasks;
    tasks.reserve(n);
    auto release_all = [&] {
      for (std::size_t i = 0; i < tasks.size(); ++i) gates[i].release();
      for (auto& task : tasks) task.join();
    };
    try {
      for (std::uint64_t i = 0; i < n; ++i) {
        tasks.emplace_back(std::allocator_arg, salloc, [&parked, &finished, gate = &gates[i]] {
          ++parked;
          gate->wait();
          ++finished;
        });
      }
    } catch (const std::exception& e) {
      const std::string what = "fiber " + std::to_string(tasks.size()) + ": " + e.what();
      release_all();
      throw std::runtime_error(what);
    }
    yield_until(parked, n);
    const double park_s = clock.seconds();
    const long after = picos_bench::rss_kib();
    clock.restart();
    for (std::uint64_t i = 0; i < n; ++i) gates[i].release();
    yield_until(finished, n);
    const double resume_s = clock.seconds();
    release_all();
    return Figures{{"park_s", park_s},
                   {"resume_s", resume_s},
                   {"rss_kib_per_task", picos_bench::kib_per_task(before, after, n)}};
  });
}

Figures churn(std::string_view impl, std::uint64_t n) {
  return with_stack_allocator(impl, [n](auto salloc) {
    std::vector<fibers::fiber> batch;
    batch.reserve(churn_batch);
    Stopwatch clock;
    for (std::uint64_t spawned = 0; spawned < n; spawned += batch.size()) {
      batch.clear();
      const std::uint64_t size = std::min(churn_batch, n - spawned);
      for (std::uint64_t i = 0; i < size; ++i) batch.emplace_back(std::allocator_arg, salloc, [] {});
      for (auto& task : batch) task.join();
    }
    return Figures{{"tasks_per_s", static_cast<double>(n) / clock.seconds()}};
  });
}

Figures switch_round_trips(std::string_view impl, std::uint64_t n) {
  if (impl != "boost-fiber") unknown_impl(impl);
  auto yielder = [n] {
    for (std::uint64_t i = 0; i < n; ++i) boost::this_fiber::yield();
  };
  Stopwatch clock;
  fibers::fiber a(yielder);
  fibers::fiber b(yielder);
  a.join();
  b.join();
  return Figures{{"ns_per_roundtrip", clock.seconds() * 1e9 / static_cast<double>(n)}};
}

template <class Channel, class... Args>
Figures pingpong_over(std::uint64_t n, Args... channel_args) {
  Channel ping(channel_args...);
  Channel pong(channel_args...);
  Stopwatch clock;
  fibers::fiber a([&] {
    std::uint64_t v = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      ping.push(i);
      pong.pop(v);
    }
  });
  fibers::fiber b([&] {
    std::uint64_t v = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      ping.pop(v);
      pong.push(v);
    }
  });
  a.join();
  b.join();
  return Figures{{"ns_per_roundtrip", clock.seconds() * 1e9 / static_cast<double>(n)}};
}

Figures pingpong(std::string_view impl, std::uint64_t n) {
  if (impl == "boost-fiber") return pingpong_over<fibers::unbuffered_channel<std::uint64_t>>(n);
  if (impl == "boost-fiber-buffered") {
    return pingpong_over<fibers::buffered_channel<std::uint64_t>>(n, std::size_t{2});
  }
  unknown_impl(impl);
}

Figures fanout(std::string_view impl, std::uint64_t n) {
  return with_stack_allocator(impl, [n](auto salloc) {
    using Inbox = fibers::buffered_channel<int>;
    std::vector<std::unique_ptr<Inbox>> inboxes;
    std::vector<fibers::fiber> subscribers;
    std::uint64_t ready = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      Inbox& inbox = *inboxes.emplace_back(std::make_unique<Inbox>(fanout_capacity));
      subscribers.emplace_back(std::allocator_arg, salloc, [&ready, &inbox] {
        ++ready;
        int v = 0;
        for (int k = 0; k < fanout_messages; ++k) inbox.pop(v);
      });
    }
    yield_until(ready, n);
    Stopwatch clock;
    for (int m = 0; m < fanout_messages; ++m) {
      for (auto& inbox : inboxes) inbox->push(m);
    }
    for (auto& subscriber : subscribers) subscriber.join();
    const double deliveries = static_cast<double>(n) * fanout_messages;
    return Figures{{"deliveries_per_s", deliveries / clock.seconds()}};
  });
}

Figures lock(std::string_view impl, std::uint64_t n) {
  return with_stack_allocator(impl, [n](auto salloc) {
    fibers::mutex mutex;
    std::vector<fibers::fiber> tasks;
    Stopwatch clock;
    for (int t = 0; t < lock_tasks; ++t) {
      tasks.emplace_back(std::allocator_arg, salloc, [&mutex, n] {
        for (std::uint64_t i = 0; i < n; ++i) {
          std::lock_guard hold(mutex);
          boost::this_fiber::yield();
        }
      });
    }
    for (auto& task : tasks) task.join();
    const double acquisitions = static_cast<double>(n) * lock_tasks;
    return Figures{{"acquisitions_per_s", acquisitions / clock.seconds()}};
  });
}

constexpr std::array<picos_bench::ScenarioEntry, 6> scenarios{{
    {"scale", scale},
    {"churn", churn},
    {"switch", switch_round_trips},
    {"pingpong", pingpong},
    {"fanout", fanout},
    {"lock", lock},
}};

}  // namespace

int main(int argc, char** argv) {
  picos_bench::Request request;
  if (!picos_bench::parse_request(argc, argv, request)) return 2;
  return picos_bench::run_request(request, scenarios);
}
