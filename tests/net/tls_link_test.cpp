// TLS on peer links: mutual certificates from one CA, refusals for a foreign CA, a plain node and
// a certificate that does not name the peer's address.
#include "io/tls_support.hpp"
#include "net_support.hpp"
#include "run_in.hpp"

#include <picos/node.hpp>
#include <picos/tls.hpp>

#include <doctest/doctest.h>

#include <stdexcept>

using namespace net_test;
using picos::Delivery;
using picos::Node;
using picos::NodeOptions;
using picos::RemoteTask;
using picos::Task;
namespace this_task = picos::this_task;

namespace {

// A node whose certificate is io_test's `certificate` (server: names localhost and 127.0.0.1,
// signed by the test CA; rogue: self-signed, trusted by nobody) and which trusts the test CA.
NodeOptions tls_options(std::string name, const char* certificate = "server", std::string host = "127.0.0.1") {
  const auto& files = io_test::certificates();
  NodeOptions options = loopback_options(std::move(name));
  options.hosts = {std::move(host)};
  options.certfile = files.file((std::string(certificate) + ".pem").c_str());
  options.keyfile = files.file((std::string(certificate) + ".key").c_str());
  options.cafile = files.file("ca.pem");
  return options;
}

}  // namespace

TEST_CASE("two nodes with certificates from the same CA link over TLS and deliver messages") {
  Node a(tls_options("alpha"));
  Node b(tls_options("beta"));
  Task receiver = picos::spawn([] { return this_task::receive(10s)->get<std::string>(); });
  const RemoteTask target = b.export_task(receiver);
  picos_test::run_in([&] {
    REQUIRE(a.peer(b.location(), 5s));
    CHECK(a.deliver(target, std::string("over tls"), 5s) == Delivery::delivered);
    CHECK(b.locate_peer("alpha", 5s) == a.location());  // b dialled back, also over TLS
  });
  CHECK(receiver.value(5s).get<std::string>() == "over tls");
}

TEST_CASE("a node whose certificate does not chain to the trusted CA is refused both ways") {
  Node a(tls_options("alpha"));
  Node rogue(tls_options("rogue", "rogue"));
  picos_test::run_in([&] {
    CHECK_FALSE(a.peer(rogue.location(), 3s));
    CHECK_FALSE(rogue.peer(a.location(), 3s));
  });
  CHECK(a.peers().empty());
  CHECK(rogue.peers().empty());
}

TEST_CASE("a node without TLS cannot link with a TLS node, and the TLS node keeps serving others") {
  Node secure(tls_options("secure"));
  Node plain(loopback_options("plain"));
  Node friendly(tls_options("friendly"));
  picos_test::run_in([&] {
    CHECK_FALSE(plain.peer(secure.location(), 3s));
    CHECK_FALSE(secure.peer(plain.location(), 3s));
    CHECK(friendly.peer(secure.location(), 5s));
  });
  CHECK(plain.peers().empty());
}

TEST_CASE("the peer's certificate must name the dialled address unless tls_verify_host is off") {
  // The test certificate names 127.0.0.1 and localhost, not 127.0.0.2.
  Node elsewhere(tls_options("elsewhere", "server", "127.0.0.2"));
  Node strict(tls_options("strict"));
  NodeOptions relaxed_options = tls_options("relaxed");
  relaxed_options.tls_verify_host = false;
  Node relaxed(std::move(relaxed_options));
  picos_test::run_in([&] {
    CHECK_FALSE(strict.peer(elsewhere.location(), 3s));
    CHECK(relaxed.peer(elsewhere.location(), 5s));
  });
}

TEST_CASE("inconsistent or unreadable TLS files are refused when the node is made") {
  NodeOptions key_only = loopback_options("key-only");
  key_only.keyfile = "/nonexistent.key";
  CHECK_THROWS_AS(Node{key_only}, std::invalid_argument);
  NodeOptions ca_only = loopback_options("ca-only");
  ca_only.cafile = "/nonexistent.pem";
  CHECK_THROWS_AS(Node{ca_only}, std::invalid_argument);
  NodeOptions no_key = tls_options("no-key");
  no_key.keyfile.clear();
  CHECK_THROWS_AS(Node{no_key}, std::invalid_argument);
  NodeOptions missing = tls_options("missing");
  missing.certfile = "/nonexistent.pem";
  CHECK_THROWS_AS(Node{missing}, picos::TlsError);
}
