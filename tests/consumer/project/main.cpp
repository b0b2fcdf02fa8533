// Spawns a task on the default scheduler and checks its result: the smallest real use of picos.
#include <picos/picos.hpp>

#include <chrono>
#include <cstdio>

int main() {
  auto task = picos::spawn([](int x) {
    picos::this_task::sleep(std::chrono::milliseconds(1));
    return x * 2;
  }, 21);
  const int result = task.value(std::chrono::seconds(10)).get<int>();
  std::printf("consumer: task returned %d\n", result);
  picos::Scheduler::instance().finish();
  return result == 42 ? 0 : 1;
}
