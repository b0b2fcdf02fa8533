#pragma once
// TLS settings of a node's peer connections, made once from NodeOptions.

#include <picos/node.hpp>
#include <picos/tls.hpp>

#include <memory>
#include <string>

namespace picos::net {

struct PeerTls {
  // Both empty when the node runs without TLS.
  std::shared_ptr<const TlsContext> client;  // for links this node dials
  std::shared_ptr<const TlsContext> server;  // for connections its listeners accept

  [[nodiscard]] bool enabled() const noexcept { return client != nullptr; }
};

// Throws std::invalid_argument for inconsistent options (keyfile without certfile, ...) and
// TlsError when a file cannot be loaded.
PeerTls make_peer_tls(const NodeOptions& options);

// The name to verify a dialled peer's certificate against: empty for a numeric address (the
// certificate must then name that IP address), else the host name itself.
std::string tls_server_name(const std::string& host);

}  // namespace picos::net
