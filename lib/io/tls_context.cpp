// picos::TlsContext: an SSL_CTX configured from TlsOptions.
#include <picos/tls.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <memory>

namespace picos {
namespace {

std::string openssl_reason(const std::string& what) {
  std::string text = "picos: " + what;
  char buffer[256];
  bool first = true;
  while (const unsigned long code = ERR_get_error()) {
    ERR_error_string_n(code, buffer, sizeof buffer);
    text += first ? ": " : "; ";
    text += buffer;
    first = false;
  }
  return text;
}

}  // namespace

TlsContext::TlsContext(const TlsOptions& options, bool server) : options_(options), server_(server) {
  ERR_clear_error();
  // Owned by `guard` until the end: a throw below (a file that cannot be loaded) must free it,
  // since the destructor does not run for a constructor that throws.
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> guard(
      SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()), &SSL_CTX_free);
  SSL_CTX* context = guard.get();
  if (context == nullptr) throw TlsError(openssl_reason("SSL_CTX_new failed"));
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  SSL_CTX_set_mode(context, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
  SSL_CTX_set_options(context, SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (!options.certificate_file.empty() &&
      SSL_CTX_use_certificate_chain_file(context, options.certificate_file.c_str()) != 1) {
    throw TlsError(openssl_reason("cannot load certificate file '" + options.certificate_file + "'"));
  }
  if (!options.private_key_file.empty()) {
    if (SSL_CTX_use_PrivateKey_file(context, options.private_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      throw TlsError(openssl_reason("cannot load private key file '" + options.private_key_file + "'"));
    }
    if (SSL_CTX_check_private_key(context) != 1) {
      throw TlsError(openssl_reason("the private key does not match the certificate"));
    }
  }
  const bool verify = server ? options.require_client_certificate : options.verify_peer;
  if (verify) {
    const bool loaded = options.ca_file.empty() ? SSL_CTX_set_default_verify_paths(context) == 1
                                                : SSL_CTX_load_verify_locations(context, options.ca_file.c_str(),
                                                                                nullptr) == 1;
    if (!loaded) throw TlsError(openssl_reason("cannot load CA file '" + options.ca_file + "'"));
    int mode = SSL_VERIFY_PEER;
    if (server) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(context, mode, nullptr);
  } else {
    SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
  }
  context_ = guard.release();
}

TlsContext::~TlsContext() { SSL_CTX_free(static_cast<SSL_CTX*>(context_)); }

std::shared_ptr<const TlsContext> TlsContext::client(const TlsOptions& options) {
  return std::shared_ptr<const TlsContext>(new TlsContext(options, false));
}

std::shared_ptr<const TlsContext> TlsContext::server(const TlsOptions& options) {
  if (options.certificate_file.empty() || options.private_key_file.empty()) {
    throw TlsError("picos: a TLS server context needs certificate_file and private_key_file");
  }
  return std::shared_ptr<const TlsContext>(new TlsContext(options, true));
}

}  // namespace picos
