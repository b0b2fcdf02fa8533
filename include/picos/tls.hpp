#pragma once
/// @file tls.hpp
/// TLS (OpenSSL) for picos::TcpStream: contexts with certificates, keys and verification rules.
/// The TLS engine runs over memory buffers on top of the socket operations, so it works the same
/// with every poller backend. Use: TcpStream::connect(..., tls), TcpStream::start_tls(),
/// TcpListener::set_tls().

#include <memory>
#include <stdexcept>
#include <string>

namespace picos {

/// A TLS failure: handshake refused, certificate not trusted or not matching the host name, bad
/// key or certificate file, protocol error. what() names the reason (OpenSSL's text, and for
/// certificates the verification result, e.g. "certificate verify failed: self-signed
/// certificate").
class TlsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Settings of a TlsContext.
struct TlsOptions {
  /// PEM certificate (chain) presented to the peer. Required for servers.
  std::string certificate_file;
  /// PEM private key of certificate_file. Required for servers.
  std::string private_key_file;
  /// PEM file of trusted CA certificates used to verify the peer; empty: the system's default
  /// trust store.
  std::string ca_file;
  /// Client contexts: verify the server's certificate chain and that it matches the host name (or
  /// the IP address when connecting to an address). On by default; turn off only for tests.
  bool verify_peer = true;
  /// Client contexts with verify_peer: also require the certificate to name the host (or IP
  /// address) connected to. Off: any certificate with a chain to a trusted CA is accepted, which
  /// suits a private CA whose members move between addresses.
  bool verify_host = true;
  /// Server contexts: ask for a client certificate and refuse clients without a valid one.
  bool require_client_certificate = false;
};

/// Shared, immutable TLS settings (an OpenSSL SSL_CTX). Create once, use for many connections from
/// any thread.
class TlsContext {
 public:
  /// [N] A client context. Throws TlsError when a file cannot be loaded.
  static std::shared_ptr<const TlsContext> client(const TlsOptions& options = {});
  /// [N] A server context; certificate_file and private_key_file are required. Throws TlsError.
  static std::shared_ptr<const TlsContext> server(const TlsOptions& options);

  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  [[nodiscard]] bool is_server() const noexcept { return server_; }
  [[nodiscard]] const TlsOptions& options() const noexcept { return options_; }
  /// The SSL_CTX* (for settings picos does not wrap).
  [[nodiscard]] void* native() const noexcept { return context_; }

 private:
  TlsContext(const TlsOptions& options, bool server);
  TlsOptions options_;
  bool server_;
  void* context_ = nullptr;
};

}  // namespace picos
