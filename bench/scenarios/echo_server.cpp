// picos-echo-server: the picos side of the echo and tls_echo scenarios, an ordinary picos program.
// It listens on 127.0.0.1 (any free port), prints "echo server listening on PORT", and runs one
// task per connection that sends back whatever it receives until the client goes away. The poller
// backend is picked by PICOS_POLLER. With a certificate and key it speaks TLS 1.3.
//
//   picos-echo-server [CERT KEY]
#include <picos/picos.hpp>
#include <picos/socket.hpp>
#include <picos/tls.hpp>

#include <openssl/ssl.h>

#include <array>
#include <cstdio>
#include <exception>
#include <memory>

namespace {

void echo(picos::TcpStream& stream) {  // the task owns the stream
  stream.set_no_delay(true);
  std::array<char, 16384> buffer;
  try {
    while (const std::size_t got = stream.recv_into(buffer)) stream.sendall({buffer.data(), got});
  } catch (const std::exception&) {
    // a client that resets its connection ends only its own task
  }
}

std::shared_ptr<const picos::TlsContext> tls_context(int argc, char** argv) {
  if (argc != 3) return nullptr;
  picos::TlsOptions options;
  options.certificate_file = argv[1];
  options.private_key_file = argv[2];
  auto context = picos::TlsContext::server(options);
  ::SSL_CTX_set_min_proto_version(static_cast<SSL_CTX*>(context->native()), TLS1_3_VERSION);
  return context;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 1 && argc != 3) {
    std::fprintf(stderr, "usage: %s [CERT KEY]\n", argv[0]);
    return 2;
  }
  try {
    const auto tls = tls_context(argc, argv);
    picos::Scheduler scheduler;
    scheduler.spawn([tls] {
      auto listener = picos::TcpListener::bind(picos::SocketAddress::loopback(0), 4096);
      if (tls) listener.set_tls(tls);
      std::printf("echo server listening on %u\n", static_cast<unsigned>(listener.local_address().port()));
      std::fflush(stdout);
      while (true) picos::spawn(echo, listener.accept());
    });
    scheduler.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "picos-echo-server: %s\n", e.what());
    return 1;
  }
}
