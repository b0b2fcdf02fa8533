// kqueue() and kevent() of the test double (see sys/event.h): the table of open emulated queues
// and the changelist rules of kevent(2) (EV_ERROR entries, EV_RECEIPT, early return on errors).
#include "emulated_kqueue.hpp"
#include "sys/event.h"

#include <cerrno>
#include <map>
#include <memory>
#include <mutex>

namespace {

using kqueue_emulation::EmulatedKqueue;

struct QueueTable {
  std::mutex mutex;
  std::map<int, std::shared_ptr<EmulatedKqueue>> queues;  // by descriptor
};

QueueTable& queue_table() {
  static QueueTable table;
  return table;
}

std::shared_ptr<EmulatedKqueue> find_queue(int kq) {
  QueueTable& table = queue_table();
  const std::lock_guard lock(table.mutex);
  const auto found = table.queues.find(kq);
  if (found == table.queues.end() || !found->second->alive()) return nullptr;
  return found->second;
}

bool valid(const timespec* timeout) noexcept {
  return timeout == nullptr || (timeout->tv_sec >= 0 && timeout->tv_nsec >= 0 && timeout->tv_nsec < 1'000'000'000);
}

}  // namespace

extern "C" int kqueue(void) {
  auto queue = EmulatedKqueue::open();
  if (!queue) return -1;
  QueueTable& table = queue_table();
  const std::lock_guard lock(table.mutex);
  // The caller closes a kqueue with close(), which the emulation cannot see: reclaim the queues
  // whose descriptor is gone (or reused, which is how this one may have got its number).
  for (auto entry = table.queues.begin(); entry != table.queues.end();) {
    if (entry->first == queue->descriptor() || !entry->second->alive()) entry = table.queues.erase(entry);
    else ++entry;
  }
  const int descriptor = queue->descriptor();
  table.queues.emplace(descriptor, std::move(queue));
  return descriptor;
}

extern "C" int kevent(int kq, const struct kevent* changelist, int nchanges, struct kevent* eventlist, int nevents,
                      const struct timespec* timeout) {
  if (nchanges < 0 || nevents < 0 || !valid(timeout)) {
    errno = EINVAL;
    return -1;
  }
  const auto queue = find_queue(kq);
  if (!queue) {
    errno = EBADF;
    return -1;
  }
  int receipts = 0;
  for (int i = 0; i < nchanges; ++i) {
    const int error = queue->apply(changelist[i]);
    if (error == 0 && (changelist[i].flags & EV_RECEIPT) == 0) continue;
    if (receipts == nevents) {  // no room to report it: the call ends here, as FreeBSD's does
      if (error == 0) return 0;
      errno = error;
      return -1;
    }
    struct kevent& receipt = eventlist[receipts++];
    receipt = changelist[i];
    receipt.flags = EV_ERROR;
    receipt.data = error;
  }
  if (receipts > 0) return receipts;
  if (nevents == 0) return 0;
  return queue->collect(eventlist, nevents, timeout);
}
