// raw-tcp-peer: the distributed scenarios over plain blocking TCP sockets, the loopback limit a
// message layer can approach. A frame is a u32 length (host order) and the payload. The measuring
// process starts `raw-tcp-peer --serve` pinned to the other CPU (server_process.hpp), connects,
// and sends a 9-byte hello: the mode ('s' or 'd') and n (u64).
// - remote_stream: n payload frames (bench/common/remote.hpp) through a 64 KiB write buffer; the
//   server reads 256 KiB at a time, checks every frame's order and, after the n-th, writes the
//   report {received, out_of_order} (2 × u64). Timed from the first write to the report.
// - remote_deliver: n ping-pongs of a payload frame and a 4-byte acknowledgement frame after a
//   warm-up; p50 and p99.
// Every socket has 30 s send and receive timeouts, so a broken run ends by itself.
//
//   raw-tcp-peer remote_stream|remote_deliver raw-tcp <n>
//   raw-tcp-peer --serve
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "../common/meter.hpp"
#include "../common/protocol.hpp"
#include "../common/remote.hpp"
#include "server_process.hpp"

namespace {

using picos_bench::Figures;
namespace remote = picos_bench::remote;

constexpr int io_timeout_s = 30;
constexpr std::size_t write_buffer_bytes = 64 * 1024;
constexpr std::size_t read_buffer_bytes = 256 * 1024;
constexpr std::size_t frame_bytes = 4 + remote::payload_bytes;
constexpr std::size_t hello_bytes = 9;

[[noreturn]] void throw_errno(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

// An owned socket descriptor.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {
    if (fd_ < 0) throw_errno("socket");
  }
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  int fd_;
};

void configure(int fd) {
  const timeval limit{io_timeout_s, 0};
  const int one = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit) != 0 ||
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
    throw_errno("setsockopt");
  }
}

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) throw_errno("send");
    data += sent;
    size -= static_cast<std::size_t>(sent);
  }
}

// Reads up to `size` bytes (at least one); 0 at the end of the stream.
std::size_t read_some(int fd, char* data, std::size_t size) {
  for (;;) {
    const ssize_t got = ::recv(fd, data, size, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw_errno("recv");
    return static_cast<std::size_t>(got);
  }
}

void read_exact(int fd, char* data, std::size_t size) {
  while (size > 0) {
    const std::size_t got = read_some(fd, data, size);
    if (got == 0) throw std::runtime_error("the connection closed early");
    data += got;
    size -= got;
  }
}

void put_frame(char* out, std::uint64_t i) {
  const auto length = static_cast<std::uint32_t>(remote::payload_bytes);
  std::memcpy(out, &length, 4);
  char payload[remote::payload_bytes];
  remote::write_payload(i, payload);
  std::memcpy(out + 4, payload, remote::payload_bytes);
}

// --- the serving process ---

void serve_stream(int fd, std::uint64_t n) {
  std::vector<char> buffer(read_buffer_bytes);
  std::size_t filled = 0;
  std::uint64_t received = 0;
  std::uint64_t out_of_order = 0;
  while (received < n) {
    const std::size_t got = read_some(fd, buffer.data() + filled, buffer.size() - filled);
    if (got == 0) throw std::runtime_error("the stream ended early");
    filled += got;
    std::size_t at = 0;
    while (filled - at >= 4) {
      std::uint32_t length = 0;
      std::memcpy(&length, buffer.data() + at, 4);
      if (length > read_buffer_bytes - 4) throw std::runtime_error("frame too large");
      if (filled - at - 4 < length) break;
      if (!remote::is_payload(buffer.data() + at + 4, length, received)) ++out_of_order;
      ++received;
      at += 4 + length;
    }
    std::memmove(buffer.data(), buffer.data() + at, filled - at);
    filled -= at;
  }
  const std::array<std::uint64_t, 2> report{received, out_of_order};
  write_all(fd, reinterpret_cast<const char*>(report.data()), sizeof report);
}

void serve_round_trips(int fd) {
  char frame[frame_bytes];
  const std::uint32_t ack[2] = {4, 1};
  for (;;) {
    const std::size_t got = read_some(fd, frame, 4);
    if (got == 0) return;
    read_exact(fd, frame + got, 4 - got);
    std::uint32_t length = 0;
    std::memcpy(&length, frame, 4);
    if (length != remote::payload_bytes) throw std::runtime_error("unexpected frame length");
    read_exact(fd, frame + 4, length);
    write_all(fd, reinterpret_cast<const char*>(ack), sizeof ack);
  }
}

int serve() {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  const Socket listener(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener.fd(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener.fd(), 1) != 0 ||
      ::getsockname(listener.fd(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw_errno("listen");
  }
  std::printf("raw-tcp listening on %u\n", static_cast<unsigned>(ntohs(address.sin_port)));
  std::fflush(stdout);
  pollfd waiting{listener.fd(), POLLIN, 0};
  if (::poll(&waiting, 1, io_timeout_s * 1000) != 1) throw std::runtime_error("nobody connected");
  const Socket connection(::accept(listener.fd(), nullptr, nullptr));
  configure(connection.fd());
  char hello[hello_bytes];
  read_exact(connection.fd(), hello, hello_bytes);
  std::uint64_t n = 0;
  std::memcpy(&n, hello + 1, 8);
  if (hello[0] == 's') {
    serve_stream(connection.fd(), n);
    char end = 0;
    (void)read_some(connection.fd(), &end, 1);  // until the client closes
  } else {
    serve_round_trips(connection.fd());
  }
  return 0;
}

// --- the measuring process ---

// Starts the serving process on one CPU, pins this one to the other and connects with `mode`.
class Session {
 public:
  Session(char mode, std::uint64_t n)
      : cpus_(picos_bench::io::pick_cpus()),
        server_({picos_bench::io::own_folder() + "raw-tcp-peer", "--serve"}, {}, cpus_.server),
        socket_(::socket(AF_INET, SOCK_STREAM, 0)) {
    picos_bench::io::pin_self(cpus_.load);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(server_.port());
    configure(socket_.fd());
    if (::connect(socket_.fd(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) throw_errno("connect");
    char hello[hello_bytes] = {mode};
    std::memcpy(hello + 1, &n, 8);
    write_all(socket_.fd(), hello, hello_bytes);
  }
  [[nodiscard]] int fd() const noexcept { return socket_.fd(); }

 private:
  picos_bench::io::CpuPair cpus_;
  picos_bench::io::ServerProcess server_;
  Socket socket_;
};

void require_raw(std::string_view impl) {
  if (impl != "raw-tcp") throw std::invalid_argument("unknown impl for this program: " + std::string(impl));
}

Figures remote_stream(std::string_view impl, std::uint64_t n) {
  require_raw(impl);
  const Session session('s', n);
  std::vector<char> buffer(write_buffer_bytes);
  std::size_t filled = 0;
  const picos_bench::Stopwatch clock;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (buffer.size() - filled < frame_bytes) {
      write_all(session.fd(), buffer.data(), filled);
      filled = 0;
    }
    put_frame(buffer.data() + filled, i);
    filled += frame_bytes;
  }
  write_all(session.fd(), buffer.data(), filled);
  std::array<std::uint64_t, 2> report{};
  read_exact(session.fd(), reinterpret_cast<char*>(report.data()), sizeof report);
  const double seconds = clock.seconds();
  if (report[0] != n || report[1] != 0) throw std::runtime_error("the receiver got frames out of order");
  return {{"msgs_per_s", static_cast<double>(n) / seconds}};
}

Figures remote_deliver(std::string_view impl, std::uint64_t n) {
  require_raw(impl);
  const Session session('d', n);
  auto round_trip = [&](std::uint64_t i) {
    char frame[frame_bytes];
    put_frame(frame, i);
    const auto start = std::chrono::steady_clock::now();
    write_all(session.fd(), frame, frame_bytes);
    std::uint32_t ack[2] = {};
    read_exact(session.fd(), reinterpret_cast<char*>(ack), sizeof ack);
    if (ack[0] != 4 || ack[1] != 1) throw std::runtime_error("bad acknowledgement");
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  };
  for (std::uint64_t i = 0; i < remote::warmup_round_trips; ++i) (void)round_trip(i);
  std::vector<double> ns;
  ns.reserve(n);
  const picos_bench::Stopwatch clock;
  for (std::uint64_t i = 0; i < n; ++i) ns.push_back(round_trip(i));
  return remote::round_trip_figures(std::move(ns), clock.seconds());
}

constexpr std::array<picos_bench::ScenarioEntry, 2> scenarios{{
    {"remote_stream", remote_stream},
    {"remote_deliver", remote_deliver},
}};

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--serve") {
    try {
      return serve();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "raw-tcp-peer --serve: %s\n", e.what());
      return 1;
    }
  }
  picos_bench::Request request;
  if (!picos_bench::parse_request(argc, argv, request)) return 2;
  return picos_bench::run_request(request, scenarios);
}
