// hotswap: replacing a running task's function without losing its messages. A counter service
// (version 1) adds up the numbers it receives. While it is busy, the main thread asks it to
// switch to version 2, which multiplies instead. Version 1 is hot-swappable: at its next receive
// it gets the HotSwap request, saves its total by sending it to itself, and accepts by
// rethrowing; version 2 starts from the beginning, picks the saved total up, and handles the
// numbers still queued. Run: ./hotswap
#include <picos/hotswap.hpp>
#include <picos/picos.hpp>
#include <picos/receive.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

namespace {

struct SavedTotal {
  long value = 0;
};

long version2() {
  long total = picos::this_task::receive_as<SavedTotal>().value;  // the state version 1 saved
  std::printf("version 2 (%s) starts from %ld\n", picos::this_task::current().name().c_str(), total);
  while (true) {
    picos::Message message = picos::this_task::receive();
    if (message.is<std::string>()) return total;  // "stop"
    total *= message.get<int>();
    std::printf("version 2: total %ld\n", total);
  }
}

long version1() {
  picos::this_task::set_hot_swappable();
  long total = 0;
  try {
    while (true) {
      picos::Message message = picos::this_task::receive();
      if (message.is<std::string>()) return total;
      total += message.get<int>();
      std::printf("version 1: total %ld\n", total);
      picos::this_task::sleep(std::chrono::milliseconds(20));  // busy with this one
    }
  } catch (const picos::HotSwap& request) {
    std::printf("version 1: swap to '%s' requested at total %ld; accepting\n", request.name().c_str(), total);
    picos::this_task::current().send(SavedTotal{total});
    throw;  // accept: version 1 is unwound and version 2 starts
  }
}

}  // namespace

int main() {
  picos::TaskOptions options;
  options.name = "counter-v1";
  picos::Task counter = picos::spawn(options, version1);
  for (int n = 1; n <= 5; ++n) counter.send(n);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let version 1 handle a few
  picos::hot_swap(counter, "counter-v2", version2);
  counter.send(std::string("stop"));
  const long total = counter.value().get<long>();
  std::printf("final total: %ld (task is now %s)\n", total, counter.to_string().c_str());
  picos::Scheduler::instance().finish();
}
