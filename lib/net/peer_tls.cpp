// Peer TLS is mutual: every node is both a server (peers dial it) and a client (it dials them),
// so one certificate serves both roles and both sides verify the other against the same CAs.
#include "net/peer_tls.hpp"

#include "io/os_socket.hpp"

#include <stdexcept>

namespace picos::net {

PeerTls make_peer_tls(const NodeOptions& options) {
  if (options.certfile.empty()) {
    if (!options.keyfile.empty() || !options.cafile.empty()) {
      throw std::invalid_argument("picos: NodeOptions keyfile/cafile need certfile (TLS on peer links)");
    }
    return {};
  }
  if (options.keyfile.empty()) throw std::invalid_argument("picos: NodeOptions certfile needs keyfile");
  TlsOptions tls;
  tls.certificate_file = options.certfile;
  tls.private_key_file = options.keyfile;
  tls.ca_file = options.cafile;
  tls.verify_peer = true;
  tls.verify_host = options.tls_verify_host;
  tls.require_client_certificate = true;
  PeerTls made;
  made.client = TlsContext::client(tls);
  made.server = TlsContext::server(tls);
  return made;
}

std::string tls_server_name(const std::string& host) {
  unsigned char address[sizeof(in6_addr)];
  const bool numeric =
      ::inet_pton(AF_INET, host.c_str(), address) == 1 || ::inet_pton(AF_INET6, host.c_str(), address) == 1;
  return numeric ? std::string() : host;
}

}  // namespace picos::net
