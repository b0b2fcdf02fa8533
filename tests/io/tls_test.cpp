#include "io_support.hpp"
#include "tls_support.hpp"

#include <picos/subprocess.hpp>
#include <picos/tls.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <system_error>

using namespace std::chrono_literals;
using picos_test::run_in;

namespace {

std::shared_ptr<const picos::TlsContext> server_context(bool require_client = false, const char* name = "server") {
  const auto& certs = io_test::certificates();
  picos::TlsOptions options;
  options.certificate_file = certs.file((std::string(name) + ".pem").c_str());
  options.private_key_file = certs.file((std::string(name) + ".key").c_str());
  options.ca_file = certs.file("ca.pem");
  options.require_client_certificate = require_client;
  return picos::TlsContext::server(options);
}

std::shared_ptr<const picos::TlsContext> client_context(bool with_certificate = false, bool trust_ca = true) {
  const auto& certs = io_test::certificates();
  picos::TlsOptions options;
  if (trust_ca) options.ca_file = certs.file("ca.pem");
  if (with_certificate) {
    options.certificate_file = certs.file("client.pem");
    options.private_key_file = certs.file("client.key");
  }
  return picos::TlsContext::client(options);
}

// An echo server task for one TLS connection; returns what it did as text.
picos::Task tls_echo_server(picos::TcpListener& listener) {
  return picos::spawn([&listener]() -> std::string {
    auto stream = listener.accept(30s);
    try {
      while (true) {
        const std::string line = stream.recv_line(1000, 30s);
        if (line.empty()) return "closed";
        stream.sendall("echo: " + line, 30s);
      }
    } catch (const picos::TlsError& error) {
      return std::string("refused: ") + error.what();
    }
  });
}

std::string expect_tls_error(auto&& call) {
  try {
    call();
  } catch (const picos::TlsError& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("a TLS client verifies the server by host name and both ends exchange data") {
  run_in([] {
    auto listener = picos::TcpListener::bind(picos::SocketAddress::loopback(0));
    listener.set_tls(server_context());
    auto server = tls_echo_server(listener);
    auto client = picos::TcpStream::connect("localhost", listener.local_address().port(), 30s, client_context());
    CHECK(client.is_tls());
    client.sendall("hello\n");
    CHECK(client.recv_line(1000, 30s) == "echo: hello\n");
    client.close();  // close_notify: the server reads a clean end of stream
    CHECK(server.finish(30s).get<std::string>() == "closed");
  });
}

TEST_CASE("a client refuses a server whose certificate it does not trust and says why") {
  run_in([] {
    auto listener = picos::TcpListener::bind(picos::SocketAddress::loopback(0));
    listener.set_tls(server_context(false, "rogue"));
    auto server = tls_echo_server(listener);
    const std::string error = expect_tls_error([&] {
      (void)picos::TcpStream::connect(listener.local_address(), 30s, client_context(), "localhost");
    });
    CHECK(error.find("certificate verify failed") != std::string::npos);
    CHECK(error.find("self-signed") != std::string::npos);
    CHECK(server.finish(30s).get<std::string>().find("refused") == 0);
  });
}

TEST_CASE("a client refuses a trusted certificate issued for another host name") {
  run_in([] {
    auto listener = picos::TcpListener::bind(picos::SocketAddress::loopback(0));
    listener.set_tls(server_context());
    auto server = tls_echo_server(listener);
    const std::string error = expect_tls_error([&] {
      (void)picos::TcpStream::connect(listener.local_address(), 30s, client_context(), "www.example.com");
    });
    CHECK(error.find("hostname mismatch") != std::string::npos);
    (void)server.finish(30s);
  });
}

TEST_CASE("a client with verify_host off accepts a trusted certificate issued for another host name") {
  run_in([] {
    auto listener = picos::TcpListener::bind(picos::SocketAddress::loopback(0));
    listener.set_tls(server_context());
    auto server = tls_echo_server(listener);
    picos::TlsOptions options;
    options.ca_file = io_test::certificates().file("ca.pem");
    options.verify_host = false;
    auto stream = picos::TcpStream::connect(listener.local_address(), 30s, picos::TlsContext::client(options),
                                            "www.example.com");
    stream.sendall("hi\n", 30s);
    CHECK(stream.recv_line(1000, 30s) == "echo: hi\n");
    stream.close();
    CHECK(server.finish(30s).get<std::string>() == "closed");
  });
}

TEST_CASE("a server that requires client certificates refuses clients without one and accepts others") {
  run_in([] {
    auto listener = picos::TcpListener::bind(picos::SocketAddress::loopback(0));
    listener.set_tls(server_context(true));
    auto server = tls_echo_server(listener);
    try {
      auto client = picos::TcpStream::connect(listener.local_address(), 30s, client_context(false), "localhost");
      client.sendall("hello\n", 30s);
      (void)client.recv_line(1000, 30s);  // TLS 1.3: the refusal arrives after the client's handshake
    } catch (const std::exception&) {
    }
    CHECK(server.finish(30s).get<std::string>().find("refused") == 0);
    server = tls_echo_server(listener);
    auto client = picos::TcpStream::connect(listener.local_address(), 30s, client_context(true), "localhost");
    client.sendall("with certificate\n");
    CHECK(client.recv_line(1000, 30s) == "echo: with certificate\n");
    client.close();
    CHECK(server.finish(30s).get<std::string>() == "closed");
  });
}

TEST_CASE("a TLS handshake with a silent peer times out") {
  run_in([] {
    auto listener = picos::TcpListener::bind(picos::SocketAddress::loopback(0));  // never accepts
    try {
      (void)picos::TcpStream::connect(listener.local_address(), 100ms, client_context(), "localhost");
      FAIL("no timeout");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::timed_out);
    }
  });
}

TEST_CASE("the picos TLS client talks to openssl s_server") {
  run_in([] {
    const auto& certs = io_test::certificates();
    std::uint16_t port = 0;
    {
      auto probe = picos::TcpListener::bind(picos::SocketAddress::loopback(0));
      port = probe.local_address().port();
    }
    auto server = picos::Subprocess::spawn({"openssl", "s_server", "-quiet", "-naccept", "1", "-accept",
                                            "127.0.0.1:" + std::to_string(port), "-cert", certs.file("server.pem"),
                                            "-key", certs.file("server.key")});
    picos::TcpStream client;
    for (int attempt = 0; attempt < 300 && !client.is_open(); ++attempt) {
      try {
        client = picos::TcpStream::connect(picos::SocketAddress::loopback(port), 30s, client_context(), "localhost");
      } catch (const std::system_error&) {
        picos::this_task::sleep(50ms);  // s_server is still starting
      }
    }
    REQUIRE(client.is_open());
    client.sendall("hello from picos\n");
    std::string line;
    while (line != "hello from picos\n") {
      line = server.readline(30s);
      REQUIRE_FALSE(line.empty());
    }
    server.write("hello from s_server\n");
    CHECK(client.recv_line(1000, 30s) == "hello from s_server\n");
    client.close();
    server.kill();
    (void)server.wait(30s);
  });
}

TEST_CASE("openssl s_client talks to a picos TLS server and verifies it") {
  run_in([] {
    const auto& certs = io_test::certificates();
    auto listener = picos::TcpListener::bind(picos::SocketAddress::loopback(0));
    listener.set_tls(server_context());
    auto server = tls_echo_server(listener);
    auto client = picos::Subprocess::spawn({"openssl", "s_client", "-quiet", "-no_ign_eof", "-verify_return_error",
                                            "-CAfile", certs.file("ca.pem"), "-servername", "localhost",
                                            "-verify_hostname", "localhost", "-connect",
                                            "127.0.0.1:" + std::to_string(listener.local_address().port())});
    client.write("ping\n", 30s);
    CHECK(client.readline(30s) == "echo: ping\n");
    client.close_stdin();
    CHECK(server.finish(30s).get<std::string>() == "closed");
    (void)client.wait(30s);
  });
}
