#include "run_in.hpp"

#include <picos/hotswap.hpp>
#include <picos/picos.hpp>
#include <picos/receive.hpp>
#include <picos/sync.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using picos_test::run_in;
using picos_test::with_mode;

namespace {
// The replacement function in most tests: collects every queued string until "end".
std::string drain(std::string prefix) {
  while (true) {
    auto text = picos::this_task::receive().get<std::string>();
    if (text == "end") return prefix;
    prefix += text;
  }
}

struct SetOnExit {
  std::shared_ptr<bool> flag;
  ~SetOnExit() { *flag = true; }
};
}  // namespace

TEST_CASE("an accepted hot swap unwinds the old function, keeps the mailbox and renames the task") {
  for (auto mode : {picos::StackMode::dedicated, picos::StackMode::compact}) {
    run_in(with_mode(mode), [] {
      auto unwound = std::make_shared<bool>(false);
      auto task = picos::spawn([unwound] {
        SetOnExit guard{unwound};
        picos::this_task::set_hot_swappable();
        picos::this_task::sleep(10s);  // woken by the request
        return std::string("old function ended");
      });
      picos::this_task::yield();
      task.send(std::string("a"));
      task.send(std::string("b"));
      CHECK(picos::hot_swap(task, "drainer", drain, std::string("new:")));
      task.send(std::string("c"));
      task.send(std::string("end"));
      CHECK(task.finish().get<std::string>() == "new:abc");
      CHECK(*unwound);
      CHECK(task.name() == "drainer");
    });
  }
}

TEST_CASE("a task may save state by sending itself messages before accepting") {
  run_in([] {
    auto task = picos::spawn([] {
      picos::this_task::set_hot_swappable();
      int handled = 0;
      try {
        while (true) {
          (void)picos::this_task::receive();
          ++handled;
        }
      } catch (const picos::HotSwap&) {
        picos::this_task::current().send(std::string("saved" + std::to_string(handled)));
        throw;
      }
    });
    task.send(1);
    task.send(2);
    picos::this_task::yield();
    task.send(std::string("x"));
    picos::hot_swap(task, drain, std::string());
    picos::this_task::sleep(2ms);  // the swap happens; "saved2" is queued behind "x"
    task.send(std::string("end"));
    CHECK(task.finish().get<std::string>() == "xsaved2");
  });
}

TEST_CASE("a refused hot swap lets the old function continue with its name") {
  run_in([] {
    auto task = picos::spawn([] {
      picos::this_task::set_name("keeper");
      picos::this_task::set_hot_swappable();
      std::string refused;
      while (true) {
        try {
          auto message = picos::this_task::receive();
          if (message.get<std::string>() == "end") return refused;
        } catch (const picos::HotSwap& request) {
          refused += "[" + request.name() + "]";  // inspected, not rethrown: refused
        }
      }
    });
    picos::this_task::yield();
    CHECK(picos::hot_swap(task, "other", drain, std::string()));
    picos::this_task::yield();
    task.send(std::string("end"));
    CHECK(task.finish().get<std::string>() == "[other]");
    CHECK(task.name() == "keeper");
  });
}

TEST_CASE("a hot swap is postponed until the task becomes hot-swappable") {
  run_in([] {
    auto task = picos::spawn([] {
      picos::this_task::sleep(20ms);  // not swappable: the request does not wake it
      picos::this_task::set_hot_swappable();
      picos::this_task::yield();      // the postponed request is raised here
      return std::string("not swapped");
    });
    picos::this_task::yield();
    const auto before = std::chrono::steady_clock::now();
    picos::hot_swap(task, [] { return std::string("swapped"); });
    CHECK(task.finish().get<std::string>() == "swapped");
    CHECK(std::chrono::steady_clock::now() - before >= 15ms);
  });
}

TEST_CASE("a hot swap is postponed while the task waits on a lock and raised at its next receive") {
  run_in([] {
    auto lock = std::make_shared<picos::Lock>();
    lock->acquire();
    auto progress = std::make_shared<std::string>();
    auto task = picos::spawn([lock, progress] {
      picos::this_task::set_hot_swappable();
      lock->acquire();  // a sync wait: not a place for hot swap
      *progress += "locked;";
      lock->release();
      (void)picos::this_task::receive(10s);
      return std::string("old");
    });
    picos::this_task::yield();
    picos::hot_swap(task, [progress] { return *progress + "new"; });
    picos::this_task::sleep(5ms);
    CHECK(progress->empty());  // still waiting for the lock
    lock->release();
    CHECK(task.finish().get<std::string>() == "locked;new");
  });
}

TEST_CASE("the newest pending request wins and a monitor sees the swapped function's result") {
  run_in([] {
    auto task = picos::spawn([] {
      picos::this_task::sleep(10ms);
      picos::this_task::set_hot_swappable();
      picos::this_task::yield();
      return 0;
    });
    picos::this_task::current().monitor(task);
    picos::hot_swap(task, [] { return 1; });
    picos::hot_swap(task, [] { return 2; });
    auto status = picos::this_task::receive_as<picos::MonitorStatus>(5s);
    REQUIRE(status.has_value());
    CHECK(status->kind == picos::MonitorStatus::Kind::finished);
    CHECK(status->value.get<int>() == 2);
  });
}

TEST_CASE("a receiving task can be swapped from another thread, and ended tasks refuse requests") {
  picos::Scheduler scheduler;
  auto task = scheduler.spawn([] {
    picos::this_task::set_hot_swappable();
    return picos::this_task::receive_as<int>();
  });
  std::thread requester([task] {
    while (!picos::hot_swap(task, [] { return -1; })) std::this_thread::sleep_for(1ms);
  });
  scheduler.run();
  requester.join();
  CHECK(task.value().get<int>() == -1);
  CHECK_FALSE(picos::hot_swap(task, [] { return 0; }));
}

TEST_CASE("hot-swappable is per task and needs a task") {
  CHECK_THROWS_AS(picos::this_task::set_hot_swappable(), picos::WrongContext);
  run_in([] {
    CHECK_FALSE(picos::this_task::hot_swappable());
    picos::this_task::set_hot_swappable();
    CHECK(picos::this_task::hot_swappable());
    auto other = picos::spawn([] { return picos::this_task::hot_swappable(); });
    CHECK_FALSE(other.finish().get<bool>());
  });
}
