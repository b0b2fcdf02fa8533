// TLS in a build without OpenSSL (the `tls` option disabled, e.g. the mingw cross build): the TLS
// API exists so programs build the same way, and every call that would need OpenSSL throws.
#include "io/tls_session.hpp"

#include <picos/tls.hpp>

namespace picos {
namespace {

[[noreturn]] void no_tls() {
  throw TlsError("picos: this build has no TLS: it was configured without OpenSSL (meson option tls)");
}

}  // namespace

TlsContext::TlsContext(const TlsOptions& options, bool server) : options_(options), server_(server) { no_tls(); }
TlsContext::~TlsContext() = default;
std::shared_ptr<const TlsContext> TlsContext::client(const TlsOptions& /*options*/) { no_tls(); }
std::shared_ptr<const TlsContext> TlsContext::server(const TlsOptions& /*options*/) { no_tls(); }

}  // namespace picos

namespace picos::detail {

// No TlsContext can exist, so no session is ever made; these complete the class for the linker.
TlsSession::TlsSession(std::shared_ptr<const TlsContext> context, bool /*server*/, const std::string& /*server_name*/,
                       const std::string& /*peer_ip*/)
    : context_(std::move(context)) {
  no_tls();
}
TlsSession::~TlsSession() = default;
void TlsSession::handshake(IoHandle& /*handle*/, bool /*blocking*/, std::int64_t /*deadline*/) { no_tls(); }
std::size_t TlsSession::read(IoHandle& /*handle*/, bool /*blocking*/, char* /*data*/, std::size_t /*size*/,
                             std::int64_t /*deadline*/) {
  no_tls();
}
void TlsSession::write_all(IoHandle& /*handle*/, bool /*blocking*/, const char* /*data*/, std::size_t /*size*/,
                           std::int64_t /*deadline*/) {
  no_tls();
}
void TlsSession::shutdown(IoHandle& /*handle*/, bool /*blocking*/, std::int64_t /*deadline*/) { no_tls(); }

}  // namespace picos::detail
