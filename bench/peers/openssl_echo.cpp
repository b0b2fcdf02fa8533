// openssl-echo-server: the tls_echo scenario's reference, a TLS 1.3 echo server written directly
// with OpenSSL: one thread, level-triggered epoll, non-blocking sockets, SSL_accept / SSL_read /
// SSL_write on the socket descriptor (no memory BIOs). Listens on 127.0.0.1 (any free port) and
// prints "echo server listening on PORT".
//
//   openssl-echo-server CERT KEY
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <unordered_map>

namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "openssl-echo-server: %s (errno %d)\n", what, errno);
  ERR_print_errors_fp(stderr);
  std::exit(1);
}

SSL_CTX* server_context(const char* certificate, const char* key) {
  SSL_CTX* ctx = ::SSL_CTX_new(::TLS_server_method());
  if (ctx == nullptr || ::SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) die("SSL_CTX_new");
  if (::SSL_CTX_use_certificate_chain_file(ctx, certificate) != 1) die("certificate");
  if (::SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) die("private key");
  // `pending` may move between a failed SSL_write and its retry.
  ::SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
  return ctx;
}

int listen_loopback() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) die("bind");
  if (::listen(fd, 4096) != 0) die("listen");
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) die("getsockname");
  std::printf("echo server listening on %u\n", static_cast<unsigned>(ntohs(address.sin_port)));
  std::fflush(stdout);
  return fd;
}

// One TLS connection. `pending` holds echoed bytes SSL_write could not take yet.
struct Connection {
  Connection(int socket, SSL* session) : fd(socket), ssl(session) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  int fd;
  SSL* ssl;
  bool handshaken = false;
  std::string pending;
  ~Connection() {
    ::SSL_free(ssl);
    ::close(fd);
  }
};

class Server {
 public:
  Server(SSL_CTX* ctx, int listener) : ctx_(ctx), listener_(listener), epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (epoll_ < 0) die("epoll_create1");
    watch(listener_, EPOLLIN, EPOLL_CTL_ADD);
  }

  [[noreturn]] void run() {
    epoll_event events[256];
    while (true) {
      const int count = ::epoll_wait(epoll_, events, 256, -1);
      if (count < 0 && errno != EINTR) die("epoll_wait");
      for (int i = 0; i < count; ++i) {
        const int fd = events[i].data.fd;
        if (fd == listener_) {
          accept_all();
        } else if (!serve(*connections_.at(fd))) {
          connections_.erase(fd);  // closing removes it from the epoll set
        }
      }
    }
  }

 private:
  void watch(int fd, std::uint32_t events, int operation) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    if (::epoll_ctl(epoll_, operation, fd, &event) != 0) die("epoll_ctl");
  }

  void accept_all() {
    int fd;
    while ((fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      SSL* ssl = ::SSL_new(ctx_);
      if (ssl == nullptr || ::SSL_set_fd(ssl, fd) != 1) die("SSL_new");
      ::SSL_set_accept_state(ssl);
      connections_[fd] = std::make_unique<Connection>(fd, ssl);
      watch(fd, EPOLLIN, EPOLL_CTL_ADD);
    }
  }

  // True while the connection stays open. Waits for the direction OpenSSL asks for.
  bool wait_for(Connection& c, int result) {
    const int error = ::SSL_get_error(c.ssl, result);
    if (error == SSL_ERROR_WANT_READ) return true;
    if (error == SSL_ERROR_WANT_WRITE) {
      watch(c.fd, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
      return true;
    }
    ERR_clear_error();
    return false;
  }

  bool flush(Connection& c) {
    while (!c.pending.empty()) {
      const int n = ::SSL_write(c.ssl, c.pending.data(), static_cast<int>(c.pending.size()));
      if (n <= 0) return wait_for(c, n);
      c.pending.erase(0, static_cast<std::size_t>(n));
    }
    watch(c.fd, EPOLLIN, EPOLL_CTL_MOD);
    return true;
  }

  bool serve(Connection& c) {
    if (!c.handshaken) {
      const int n = ::SSL_do_handshake(c.ssl);
      if (n != 1) return wait_for(c, n);
      c.handshaken = true;
    }
    if (!c.pending.empty()) return flush(c);
    // Drain what OpenSSL can give now, echoing each piece.
    while (true) {
      const int n = ::SSL_read(c.ssl, buffer_, sizeof buffer_);
      if (n <= 0) return wait_for(c, n);
      const int written = ::SSL_write(c.ssl, buffer_, n);
      if (written <= 0) {
        c.pending.assign(buffer_, static_cast<std::size_t>(n));
        return wait_for(c, written);
      }
    }
  }

  SSL_CTX* ctx_;
  int listener_;
  int epoll_;
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
  char buffer_[16384];
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s CERT KEY\n", argv[0]);
    return 2;
  }
  SSL_CTX* ctx = server_context(argv[1], argv[2]);
  Server server(ctx, listen_loopback());
  server.run();
}
