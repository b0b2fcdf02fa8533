#pragma once
// One TLS connection: an OpenSSL SSL object over two memory BIOs that this class pumps through
// the operation API (io_read/io_write), so TLS works on every poller backend. After the handshake
// one reading and one writing task may use a session at the same time (ciphertext output is
// serialized); the handshake itself must be driven by one task.

#include "poller/io_handle.hpp"

#include <picos/tls.hpp>

#include <cstdint>
#include <memory>
#include <string>

typedef struct ssl_st SSL;
typedef struct bio_st BIO;

namespace picos::detail {

class TlsSession {
 public:
  // `server_name`: clients send it (SNI) and verify the certificate against it; when empty and
  // `peer_ip` is given, the certificate must match that IP address.
  TlsSession(std::shared_ptr<const TlsContext> context, bool server, const std::string& server_name,
             const std::string& peer_ip = {});
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  [[nodiscard]] bool established() const noexcept { return established_; }
  // Runs the handshake to its end. Throws TlsError or std::system_error.
  void handshake(IoHandle& handle, bool blocking, std::int64_t deadline);
  // Up to `size` plaintext bytes; 0 at close_notify or end of stream.
  std::size_t read(IoHandle& handle, bool blocking, char* data, std::size_t size, std::int64_t deadline);
  void write_all(IoHandle& handle, bool blocking, const char* data, std::size_t size, std::int64_t deadline);
  // Sends close_notify (once).
  void shutdown(IoHandle& handle, bool blocking, std::int64_t deadline);

 private:
  // Handles the result of an SSL call: flushes output, reads input when it wants more. Returns
  // true to retry the call, false at end of stream; throws on failure.
  bool pump(IoHandle& handle, bool blocking, int result, std::int64_t deadline, const char* what);
  void flush(IoHandle& handle, bool blocking, std::int64_t deadline);
  [[nodiscard]] bool checks_host_name() const noexcept {
    return context_->options().verify_peer && context_->options().verify_host;
  }

  static constexpr int scratch_size = 16 * 1024;
  std::shared_ptr<const TlsContext> context_;
  std::unique_ptr<char[]> scratch_in_ = std::make_unique<char[]>(scratch_size);   // heap: stacks stay small
  std::unique_ptr<char[]> scratch_out_ = std::make_unique<char[]>(scratch_size);
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;   // ciphertext from the peer, owned by ssl_
  BIO* out_ = nullptr;  // ciphertext to the peer, owned by ssl_
  bool established_ = false;
  bool closed_ = false;   // close_notify or end of stream seen
  bool shut_down_ = false;
  bool flushing_ = false;      // a task is writing ciphertext out
  WaitQueue flush_waiters_;    // tasks waiting for it
};

}  // namespace picos::detail
