#include "echo_load.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace picos_bench::io {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

std::string ssl_error_text() {
  char buf[256] = "unknown TLS error";
  if (const unsigned long code = ::ERR_get_error(); code != 0) ::ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

struct SslCtxDeleter {
  void operator()(SSL_CTX* ctx) const noexcept { ::SSL_CTX_free(ctx); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

SslCtxPtr client_context() {
  SslCtxPtr ctx(::SSL_CTX_new(::TLS_client_method()));
  if (!ctx || ::SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION) != 1) {
    throw std::runtime_error("TLS client context: " + ssl_error_text());
  }
  ::SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);  // the server's certificate is a throwaway
  return ctx;
}

// One ping-pong connection. `sent` and `received` count bytes of the message in flight.
class Connection {
 public:
  Connection(std::uint16_t port, SSL_CTX* tls, const std::string& message) : message_(message), echo_(message.size(), '\0') {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw_errno("socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) throw_errno("connect");
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (tls != nullptr) {
      // The handshake runs blocking, before the load starts; the server handles handshakes of
      // the other connections concurrently anyway.
      ssl_ = ::SSL_new(tls);
      if (ssl_ == nullptr || ::SSL_set_fd(ssl_, fd_) != 1 || ::SSL_connect(ssl_) != 1) {
        throw std::runtime_error("TLS handshake with the server failed: " + ssl_error_text());
      }
    }
    if (::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK) != 0) throw_errno("fcntl");
  }
  ~Connection() {
    if (ssl_ != nullptr) ::SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  [[nodiscard]] int fd() const noexcept { return fd_; }

  // Sends what is left of the message and reads what has arrived; returns the round trips
  // completed (each completed one starts the next).
  std::uint64_t service() {
    std::uint64_t completed = 0;
    while (true) {
      if (sent_ < message_.size() && !write_some()) return completed;
      if (!read_some()) return completed;
      if (received_ == message_.size()) {
        if (echo_ != message_) throw std::runtime_error("the server echoed different bytes");
        ++completed;
        sent_ = received_ = 0;
      }
    }
  }

 private:
  // False when the socket cannot take more now.
  bool write_some() {
    const char* data = message_.data() + sent_;
    const std::size_t size = message_.size() - sent_;
    if (ssl_ != nullptr) {
      const int n = ::SSL_write(ssl_, data, static_cast<int>(size));
      if (n > 0) {
        sent_ += static_cast<std::size_t>(n);
        return true;
      }
      return tls_would_block(n, "SSL_write");
    }
    const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (n >= 0) {
      sent_ += static_cast<std::size_t>(n);
      return true;
    }
    if (errno == EAGAIN || errno == EINTR) return errno == EINTR;
    throw_errno("send");
  }

  // False when nothing more can be read now.
  bool read_some() {
    char* data = echo_.data() + received_;
    const std::size_t size = echo_.size() - received_;
    if (size == 0) return true;
    if (ssl_ != nullptr) {
      const int n = ::SSL_read(ssl_, data, static_cast<int>(size));
      if (n > 0) {
        received_ += static_cast<std::size_t>(n);
        return true;
      }
      return tls_would_block(n, "SSL_read");
    }
    const ssize_t n = ::recv(fd_, data, size, 0);
    if (n > 0) {
      received_ += static_cast<std::size_t>(n);
      return true;
    }
    if (n == 0) throw std::runtime_error("the server closed a connection");
    if (errno == EAGAIN || errno == EINTR) return errno == EINTR;
    throw_errno("recv");
  }

  bool tls_would_block(int result, const char* call) {
    const int error = ::SSL_get_error(ssl_, result);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return false;
    if (error == SSL_ERROR_ZERO_RETURN) throw std::runtime_error("the server closed a TLS connection");
    throw std::runtime_error(std::string(call) + " failed: " + ssl_error_text());
  }

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  const std::string& message_;
  std::string echo_;
  std::size_t sent_ = 0;
  std::size_t received_ = 0;
};

double thread_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_THREAD, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

class Loop {
 public:
  explicit Loop(std::vector<std::unique_ptr<Connection>>& connections) : connections_(connections) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) throw_errno("epoll_create1");
    for (std::size_t i = 0; i < connections_.size(); ++i) {
      epoll_event event{};
      event.events = EPOLLIN | EPOLLOUT | EPOLLET;
      event.data.u64 = i;
      if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, connections_[i]->fd(), &event) != 0) throw_errno("epoll_ctl");
    }
  }
  ~Loop() { ::close(epoll_); }
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Runs the connections until `until`; returns the round trips completed meanwhile.
  std::uint64_t run_until(Clock::time_point until) {
    std::uint64_t completed = 0;
    std::vector<epoll_event> events(std::min<std::size_t>(connections_.size(), 1024));
    while (Clock::now() < until) {
      const int count = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 10);
      if (count < 0 && errno != EINTR) throw_errno("epoll_wait");
      for (int i = 0; i < count; ++i) completed += connections_[events[static_cast<std::size_t>(i)].data.u64]->service();
    }
    return completed;
  }

 private:
  std::vector<std::unique_ptr<Connection>>& connections_;
  int epoll_ = -1;
};

}  // namespace

Figures drive_echo(const ServerProcess& server, const EchoLoad& load) {
  raise_fd_limit(load.connections + 64);
  SslCtxPtr tls = load.tls ? client_context() : nullptr;
  const std::string message(load.message_bytes, 'p');
  std::vector<std::unique_ptr<Connection>> connections;
  for (std::uint64_t i = 0; i < load.connections; ++i) {
    connections.push_back(std::make_unique<Connection>(server.port(), tls.get(), message));
  }
  Loop loop(connections);
  // Each connection starts its first round trip; edge-triggered events then keep it going.
  loop.run_until(Clock::now() + load.warmup);

  const double server_before = server.cpu_seconds();
  const double load_before = thread_cpu_seconds();
  const auto start = Clock::now();
  const std::uint64_t round_trips = loop.run_until(start + load.measured);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double server_cpu = server.cpu_seconds() - server_before;
  const double load_cpu = thread_cpu_seconds() - load_before;
  if (round_trips == 0) throw std::runtime_error("no round trip completed in the measured interval");

  const double rts = static_cast<double>(round_trips);
  return {{"conns", static_cast<double>(load.connections)},
          {"rtps", rts / seconds},
          {"server_us_per_rt", server_cpu * 1e6 / rts},
          {"mib_per_s", rts * static_cast<double>(load.message_bytes) / seconds / (1024.0 * 1024.0)},
          {"load_cpu_share", load_cpu / seconds}};
}

}  // namespace picos_bench::io
