// tasks: many lightweight tasks that each sleep a random while, then report. Shows that a task is
// an ordinary function that blocks (sleep) while the scheduler runs the others, and that tens of
// thousands of parked tasks are cheap. The main thread spawns them on the default scheduler and
// waits for each result with value(). Run: ./tasks [count] (default 10000).
#include <picos/picos.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

int main(int argc, char** argv) {
  using namespace std::chrono;
  const int count = argc > 1 ? std::atoi(argv[1]) : 10000;
  const auto start = steady_clock::now();
  std::vector<picos::Task> tasks;
  tasks.reserve(static_cast<std::size_t>(count));
  std::mt19937 random(7);
  for (int i = 0; i < count; ++i) {
    const auto pause = milliseconds(random() % 500);
    tasks.push_back(picos::spawn([pause] {
      picos::this_task::sleep(pause);
      return static_cast<long>(pause.count());
    }));
  }
  long total = 0;
  for (auto& task : tasks) total += task.value().get<long>();
  const auto elapsed = duration_cast<milliseconds>(steady_clock::now() - start).count();
  std::printf("%d tasks slept %ld ms in total, in %lld ms of wall time\n", count, total,
              static_cast<long long>(elapsed));
  picos::Scheduler::instance().finish();
}
