#include "io/tls_session.hpp"

#include "core/scheduler_core.hpp"
#include "io/io_ops.hpp"
#include "poller/io_errors.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>

namespace picos::detail {
namespace {

std::string describe_failure(SSL* ssl, const char* what, int error) {
  std::string text = std::string("picos: TLS ") + what + " failed";
  const unsigned long code = ERR_peek_error();
  char buffer[256];
  bool first = true;
  while (const unsigned long each = ERR_get_error()) {
    ERR_error_string_n(each, buffer, sizeof buffer);
    text += first ? ": " : "; ";
    text += buffer;
    first = false;
  }
  if (ERR_GET_REASON(code) == SSL_R_CERTIFICATE_VERIFY_FAILED || SSL_get_verify_result(ssl) != X509_V_OK) {
    const long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) text += std::string(" (certificate verify failed: ") + X509_verify_cert_error_string(verify) + ")";
  }
  if (first && error == SSL_ERROR_SYSCALL) text += ": the peer closed the connection";
  return text;
}

}  // namespace

TlsSession::TlsSession(std::shared_ptr<const TlsContext> context, bool server, const std::string& server_name,
                       const std::string& peer_ip)
    : context_(std::move(context)) {
  ERR_clear_error();
  ssl_ = SSL_new(static_cast<SSL_CTX*>(context_->native()));
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  if (ssl_ == nullptr || in_ == nullptr || out_ == nullptr) {
    BIO_free(in_);
    BIO_free(out_);
    SSL_free(ssl_);
    throw TlsError("picos: cannot create a TLS session (out of memory?)");
  }
  BIO_set_mem_eof_return(in_, -1);  // "no data yet" rather than end of stream
  SSL_set_bio(ssl_, in_, out_);
  if (server) {
    SSL_set_accept_state(ssl_);
    return;
  }
  SSL_set_connect_state(ssl_);
  if (!server_name.empty()) {
    SSL_set_tlsext_host_name(ssl_, server_name.c_str());
    if (checks_host_name()) SSL_set1_host(ssl_, server_name.c_str());
  } else if (!peer_ip.empty() && checks_host_name()) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), peer_ip.c_str());
  }
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

void TlsSession::flush(IoHandle& handle, bool blocking, std::int64_t deadline) {
  // One flusher at a time: a reading and a writing task must not interleave ciphertext chunks.
  TaskControl* self = SchedulerCore::current_task();
  while (flushing_ && self != nullptr) {
    if (self->core->park_on(flush_waiters_, WaitKind::io, deadline) == WakeReason::timed_out) {
      throw_timed_out("TLS write");
    }
  }
  flushing_ = true;
  struct Done {
    TlsSession& session;
    ~Done() {
      session.flushing_ = false;
      if (TaskControl* task = session.flush_waiters_.front()) task->core->wake_one(session.flush_waiters_);
    }
  } done{*this};
  char* buffer = scratch_out_.get();
  while (BIO_ctrl_pending(out_) > 0) {
    const int n = BIO_read(out_, buffer, scratch_size);
    if (n <= 0) break;
    std::size_t sent = 0;
    while (sent < static_cast<std::size_t>(n)) {
      sent += io_write(handle, blocking, buffer + sent, static_cast<std::size_t>(n) - sent, deadline);
    }
  }
}

bool TlsSession::pump(IoHandle& handle, bool blocking, int result, std::int64_t deadline, const char* what) {
  const int error = SSL_get_error(ssl_, result);
  switch (error) {
    case SSL_ERROR_WANT_WRITE:
      flush(handle, blocking, deadline);
      return true;
    case SSL_ERROR_WANT_READ: {
      flush(handle, blocking, deadline);
      const std::size_t n = io_read(handle, blocking, scratch_in_.get(), scratch_size, deadline);
      if (n == 0) BIO_set_mem_eof_return(in_, 0);
      else BIO_write(in_, scratch_in_.get(), static_cast<int>(n));
      return true;
    }
    case SSL_ERROR_ZERO_RETURN:
      closed_ = true;
      return false;
    default:
      flush(handle, blocking, deadline);  // e.g. an alert telling the peer why
      if (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && established_) {
        closed_ = true;  // end of stream without close_notify: treated as end of stream
        return false;
      }
      throw TlsError(describe_failure(ssl_, what, error));
  }
}

void TlsSession::handshake(IoHandle& handle, bool blocking, std::int64_t deadline) {
  while (!established_) {
    ERR_clear_error();
    const int result = SSL_do_handshake(ssl_);
    if (result == 1) {
      established_ = true;
      flush(handle, blocking, deadline);
      return;
    }
    if (!pump(handle, blocking, result, deadline, "handshake")) {
      throw TlsError("picos: TLS handshake failed: the peer closed the connection");
    }
  }
}

std::size_t TlsSession::read(IoHandle& handle, bool blocking, char* data, std::size_t size, std::int64_t deadline) {
  handshake(handle, blocking, deadline);
  if (size == 0) return 0;
  while (!closed_) {
    ERR_clear_error();
    std::size_t n = 0;
    const int result = SSL_read_ex(ssl_, data, size, &n);
    if (result == 1) return n;
    if (!pump(handle, blocking, result, deadline, "read")) break;
  }
  return 0;
}

void TlsSession::write_all(IoHandle& handle, bool blocking, const char* data, std::size_t size,
                           std::int64_t deadline) {
  handshake(handle, blocking, deadline);
  std::size_t done = 0;
  while (done < size) {
    ERR_clear_error();
    std::size_t n = 0;
    const int result = SSL_write_ex(ssl_, data + done, size - done, &n);
    if (result == 1) {
      done += n;
      continue;
    }
    if (!pump(handle, blocking, result, deadline, "write")) throw_errno(EPIPE, "TLS write");
  }
  flush(handle, blocking, deadline);
}

void TlsSession::shutdown(IoHandle& handle, bool blocking, std::int64_t deadline) {
  if (shut_down_ || !established_) return;
  shut_down_ = true;
  ERR_clear_error();
  SSL_shutdown(ssl_);  // queues close_notify; we do not wait for the peer's
  flush(handle, blocking, deadline);
}

}  // namespace picos::detail
