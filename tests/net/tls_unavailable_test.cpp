// Peer TLS in a build without OpenSSL (the mingw-w64 build): asking for it is an error at once,
// never a node that silently talks in the clear.
#include "net_support.hpp"

#include <picos/node.hpp>
#include <picos/tls.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace net_test;

TEST_CASE("a node asked for TLS in a build without OpenSSL refuses to start and says why") {
  picos::NodeOptions options = loopback_options("no-tls");
  options.certfile = "node.pem";
  options.keyfile = "node.key";
  try {
    picos::Node node(options);
    FAIL("the node started without the TLS it was asked for");
  } catch (const picos::TlsError& error) {
    CHECK(std::string(error.what()).find("no TLS") != std::string::npos);
  }
}
