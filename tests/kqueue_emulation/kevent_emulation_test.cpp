// Pins the kernel semantics the kqueue test double models (see sys/event.h), so the kqueue backend
// is tested against kevent(2) as FreeBSD documents it and not against whatever the emulation does.
#include "sys/event.h"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace {

const timespec no_wait{0, 0};

struct Queue {
  int fd = ::kqueue();
  Queue() { REQUIRE(fd >= 0); }
  ~Queue() { ::close(fd); }
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  // Applies one change without receipts; returns kevent()'s result.
  int change(std::uintptr_t ident, short filter, unsigned flags, unsigned fflags = 0, void* udata = nullptr,
             std::int64_t data = 0) const {
    struct kevent entry;
    EV_SET(&entry, ident, filter, flags, fflags, data, udata);
    return ::kevent(fd, &entry, 1, nullptr, 0, nullptr);
  }
  // Collects what is ready now (or within `wait`).
  std::vector<struct kevent> ready(const timespec& wait = no_wait) const {
    std::vector<struct kevent> events(16);
    const int count = ::kevent(fd, nullptr, 0, events.data(), static_cast<int>(events.size()), &wait);
    REQUIRE(count >= 0);
    events.resize(static_cast<std::size_t>(count));
    return events;
  }
};

struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe() {
    if (read_end >= 0) ::close(read_end);
    if (write_end >= 0) ::close(write_end);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  void close_read() {
    ::close(read_end);
    read_end = -1;
  }
  void close_write() {
    ::close(write_end);
    write_end = -1;
  }
};

int tag = 0;  // its address is the udata the tests look for

}  // namespace

TEST_CASE("a read filter added while data is pending reports it with the byte count and udata") {
  Queue queue;
  Pipe pipe;
  REQUIRE(::write(pipe.write_end, "abc", 3) == 3);
  REQUIRE(queue.change(pipe.read_end, EVFILT_READ, EV_ADD, 0, &tag) == 0);
  const auto events = queue.ready();
  REQUIRE(events.size() == 1);
  CHECK(events[0].ident == static_cast<std::uintptr_t>(pipe.read_end));
  CHECK(events[0].filter == EVFILT_READ);
  CHECK(events[0].data == 3);
  CHECK(events[0].udata == &tag);
  CHECK((events[0].flags & (EV_EOF | EV_ERROR)) == 0);
}

TEST_CASE("a level filter keeps reporting until the data is read and an EV_CLEAR filter reports each edge once") {
  Queue queue;
  Pipe level;
  Pipe edge;
  REQUIRE(queue.change(level.read_end, EVFILT_READ, EV_ADD) == 0);
  REQUIRE(queue.change(edge.read_end, EVFILT_READ, EV_ADD | EV_CLEAR) == 0);
  REQUIRE(::write(level.write_end, "x", 1) == 1);
  REQUIRE(::write(edge.write_end, "x", 1) == 1);
  CHECK(queue.ready().size() == 2);
  const auto again = queue.ready();
  REQUIRE(again.size() == 1);
  CHECK(again[0].ident == static_cast<std::uintptr_t>(level.read_end));
  REQUIRE(::write(edge.write_end, "y", 1) == 1);  // a new edge, data still unread
  CHECK(queue.ready().size() == 2);
  char buffer[4];
  REQUIRE(::read(level.read_end, buffer, sizeof buffer) == 1);
  CHECK(queue.ready().empty());
}

TEST_CASE("read and write filters of one fd are separate kevents") {
  Queue queue;
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) == 0);
  REQUIRE(queue.change(pair[0], EVFILT_READ, EV_ADD | EV_CLEAR, 0, &tag) == 0);
  REQUIRE(queue.change(pair[0], EVFILT_WRITE, EV_ADD | EV_CLEAR, 0, &tag) == 0);
  auto events = queue.ready();
  REQUIRE(events.size() == 1);  // writable at once, nothing to read
  CHECK(events[0].filter == EVFILT_WRITE);
  REQUIRE(queue.change(pair[0], EVFILT_WRITE, EV_DELETE) == 0);
  REQUIRE(::write(pair[1], "z", 1) == 1);
  events = queue.ready();
  REQUIRE(events.size() == 1);
  CHECK(events[0].filter == EVFILT_READ);
  CHECK(queue.change(pair[0], EVFILT_WRITE, EV_DELETE) == -1);
  CHECK(errno == ENOENT);
  ::close(pair[0]);
  ::close(pair[1]);
}

TEST_CASE("EV_EOF marks a read filter whose writer has gone and a write filter whose reader has gone") {
  Queue queue;
  Pipe to_reader;
  REQUIRE(queue.change(to_reader.read_end, EVFILT_READ, EV_ADD | EV_CLEAR) == 0);
  to_reader.close_write();
  auto events = queue.ready();
  REQUIRE(events.size() == 1);
  CHECK((events[0].flags & EV_EOF) != 0);

  Pipe to_writer;
  REQUIRE(queue.change(to_writer.write_end, EVFILT_WRITE, EV_ADD | EV_CLEAR) == 0);
  CHECK(queue.ready().size() == 1);  // room to write
  to_writer.close_read();
  events = queue.ready();
  REQUIRE(events.size() == 1);
  CHECK((events[0].flags & EV_EOF) != 0);
  // FreeBSD refuses a new write filter on a pipe without reader, and accepts a filter for the
  // direction a pipe end was not opened for, which never fires.
  Pipe orphan;
  orphan.close_read();
  CHECK(queue.change(orphan.write_end, EVFILT_WRITE, EV_ADD) == -1);
  CHECK(errno == EPIPE);
  Pipe idle;
  CHECK(queue.change(idle.read_end, EVFILT_WRITE, EV_ADD) == 0);
  CHECK(queue.ready().empty());
}

TEST_CASE("closing an fd removes its kevents, also when the number is reused") {
  Queue queue;
  auto pipe = std::make_unique<Pipe>();
  const int number = pipe->read_end;
  REQUIRE(::write(pipe->write_end, "x", 1) == 1);
  REQUIRE(queue.change(number, EVFILT_READ, EV_ADD) == 0);
  pipe->close_read();
  CHECK(queue.ready().empty());
  CHECK(queue.change(number, EVFILT_READ, EV_DELETE) == -1);
  CHECK(errno == EBADF);

  Pipe reused;  // takes the lowest free number: the one just closed
  REQUIRE(reused.read_end == number);
  CHECK(queue.change(number, EVFILT_READ, EV_DELETE) == -1);
  CHECK(errno == ENOENT);
  REQUIRE(queue.change(number, EVFILT_READ, EV_ADD, 0, &tag) == 0);
  REQUIRE(::write(reused.write_end, "y", 1) == 1);
  const auto events = queue.ready();
  REQUIRE(events.size() == 1);
  CHECK(events[0].udata == &tag);
}

TEST_CASE("a closed fd whose file is still open elsewhere reports nothing more") {
  Queue queue;
  Pipe pipe;
  const int copy = ::dup(pipe.read_end);
  REQUIRE(queue.change(pipe.read_end, EVFILT_READ, EV_ADD) == 0);
  pipe.close_read();
  REQUIRE(::write(pipe.write_end, "x", 1) == 1);
  CHECK(queue.ready().empty());
  ::close(copy);
}

TEST_CASE("EV_DISABLE stops reporting, EV_ENABLE reports a condition that already holds, EV_ONESHOT reports once") {
  Queue queue;
  Pipe pipe;
  REQUIRE(queue.change(pipe.read_end, EVFILT_READ, EV_ADD | EV_DISABLE) == 0);
  REQUIRE(::write(pipe.write_end, "x", 1) == 1);
  CHECK(queue.ready().empty());
  REQUIRE(queue.change(pipe.read_end, EVFILT_READ, EV_ENABLE) == 0);
  CHECK(queue.ready().size() == 1);
  REQUIRE(queue.change(pipe.read_end, EVFILT_READ, EV_DELETE) == 0);
  REQUIRE(queue.change(pipe.read_end, EVFILT_READ, EV_ADD | EV_ONESHOT) == 0);
  CHECK(queue.ready().size() == 1);
  CHECK(queue.ready().empty());
  CHECK(queue.change(pipe.read_end, EVFILT_READ, EV_DELETE) == -1);
  CHECK(errno == ENOENT);
}

TEST_CASE("changelist errors go to the eventlist as EV_ERROR entries and EV_RECEIPT reports every change") {
  Queue queue;
  Pipe pipe;
  struct kevent changes[3];
  EV_SET(&changes[0], pipe.read_end, EVFILT_READ, EV_ADD | EV_RECEIPT, 0, 0, nullptr);
  EV_SET(&changes[1], 100000, EVFILT_READ, EV_ADD | EV_RECEIPT, 0, 0, nullptr);   // not an open fd
  EV_SET(&changes[2], pipe.read_end, EVFILT_TIMER, EV_ADD | EV_RECEIPT, 0, 0, nullptr);  // not modelled
  REQUIRE(::write(pipe.write_end, "x", 1) == 1);
  struct kevent results[4];
  REQUIRE(::kevent(queue.fd, changes, 3, results, 4, nullptr) == 3);  // returns at once: no events collected
  CHECK(results[0].flags == EV_ERROR);
  CHECK(results[0].data == 0);
  CHECK(results[1].data == EBADF);
  CHECK(results[2].data == EINVAL);
  CHECK(queue.ready().size() == 1);  // the pending read was not consumed by the receipt call

  // Without room in the eventlist the failing change makes the call fail, and stops it there.
  EV_SET(&changes[0], pipe.write_end, EVFILT_READ, EV_DELETE, 0, 0, nullptr);
  EV_SET(&changes[1], pipe.write_end, EVFILT_WRITE, EV_ADD, 0, 0, nullptr);
  CHECK(::kevent(queue.fd, changes, 2, nullptr, 0, nullptr) == -1);
  CHECK(errno == ENOENT);
  CHECK(queue.change(pipe.write_end, EVFILT_WRITE, EV_DELETE) == -1);  // never added
}

TEST_CASE("EVFILT_USER fires on NOTE_TRIGGER with its fflags and data, and EV_CLEAR resets it") {
  Queue queue;
  REQUIRE(queue.change(7, EVFILT_USER, EV_ADD | EV_CLEAR, NOTE_FFCOPY | 0x5, &tag) == 0);
  CHECK(queue.ready().empty());
  REQUIRE(queue.change(7, EVFILT_USER, 0, NOTE_TRIGGER | NOTE_FFOR | 0x8, nullptr, 42) == 0);
  auto events = queue.ready();
  REQUIRE(events.size() == 1);
  CHECK(events[0].filter == EVFILT_USER);
  CHECK(events[0].ident == 7);
  CHECK(events[0].fflags == 0xd);
  CHECK(events[0].data == 42);
  CHECK(events[0].udata == &tag);
  CHECK(queue.ready().empty());
  CHECK(queue.change(8, EVFILT_USER, 0, NOTE_TRIGGER) == -1);
  CHECK(errno == ENOENT);

  REQUIRE(queue.change(9, EVFILT_USER, EV_ADD, NOTE_TRIGGER) == 0);  // without EV_CLEAR it stays triggered
  CHECK(queue.ready().size() == 1);
  CHECK(queue.ready().size() == 1);
}

TEST_CASE("a trigger from another thread wakes a kevent call that waits without limit") {
  Queue queue;
  REQUIRE(queue.change(1, EVFILT_USER, EV_ADD | EV_CLEAR) == 0);
  std::thread trigger([&queue] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    queue.change(1, EVFILT_USER, 0, NOTE_TRIGGER);
  });
  struct kevent event;
  CHECK(::kevent(queue.fd, nullptr, 0, &event, 1, nullptr) == 1);
  trigger.join();
  CHECK(event.filter == EVFILT_USER);
}

TEST_CASE("timeouts: zero polls, a limit expires with no events, invalid ones and bad queues are refused") {
  Queue queue;
  Pipe pipe;
  REQUIRE(queue.change(pipe.read_end, EVFILT_READ, EV_ADD) == 0);
  const auto start = std::chrono::steady_clock::now();
  CHECK(queue.ready(timespec{0, 30'000'000}).empty());
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(30));
  struct kevent event;
  const timespec invalid{0, 1'000'000'000};
  CHECK(::kevent(queue.fd, nullptr, 0, &event, 1, &invalid) == -1);
  CHECK(errno == EINVAL);
  CHECK(::kevent(pipe.read_end, nullptr, 0, &event, 1, &no_wait) == -1);
  CHECK(errno == EBADF);
  // nevents == 0: returns after the changes even with data pending and no timeout.
  REQUIRE(::write(pipe.write_end, "x", 1) == 1);
  CHECK(::kevent(queue.fd, nullptr, 0, nullptr, 0, nullptr) == 0);
}

TEST_CASE("an unmodelled flag is refused rather than ignored") {
  Queue queue;
  Pipe pipe;
  CHECK(queue.change(pipe.read_end, EVFILT_READ, EV_ADD | EV_DISPATCH) == -1);
  CHECK(errno == EINVAL);
}
