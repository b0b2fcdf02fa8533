// chat_sock_client: the client of chat_sock_server. Lines typed on stdin go to the server; lines
// from the other clients are printed on stdout. stdin is read with picos::AsyncFile, so the
// scheduler keeps receiving while the user types. When stdin ends the client half-closes its
// connection and exits once the server closes it. For scripts, `--receive N` makes it exit after
// printing N lines (stdin then does not end it).
//
//   chat_sock_client [--host HOST] [--port N] [--tls-ca CA.pem [--tls-name NAME]] [--receive N]
#include <picos/file.hpp>
#include <picos/picos.hpp>
#include <picos/socket.hpp>
#include <picos/tls.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 0;
  long receive = 0;
  std::string ca;
  std::string tls_name;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--host") == 0 && i + 1 < argc) host = argv[++i];
    else if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) port = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--receive") == 0 && i + 1 < argc) receive = std::atol(argv[++i]);
    else if (std::strcmp(argv[i], "--tls-ca") == 0 && i + 1 < argc) ca = argv[++i];
    else if (std::strcmp(argv[i], "--tls-name") == 0 && i + 1 < argc) tls_name = argv[++i];
    else {
      std::cerr << "usage: chat_sock_client [--host HOST] [--port N] [--tls-ca CA.pem [--tls-name NAME]] "
                   "[--receive N]\n";
      return 2;
    }
  }
  if (port <= 0) {
    std::cerr << "chat_sock_client: --port is required\n";
    return 2;
  }
  int status = 0;
  picos::Scheduler scheduler;
  scheduler.spawn([&] {
    try {
      auto stream = std::make_shared<picos::TcpStream>();
      if (ca.empty()) {
        *stream = picos::TcpStream::connect(host, static_cast<std::uint16_t>(port), std::chrono::seconds(30));
      } else {
        picos::TlsOptions options;
        options.ca_file = ca;
        auto tls = picos::TlsContext::client(options);
        const auto address = picos::resolve(host, static_cast<std::uint16_t>(port)).front();
        *stream = picos::TcpStream::connect(address, std::chrono::seconds(30), tls, tls_name.empty() ? host : tls_name);
      }
      picos::TaskOptions daemon;
      daemon.daemon = true;  // the typing side must not keep the client alive
      picos::spawn(daemon, [stream, receive] {
        picos::AsyncFile input(0, false);
        try {
          while (true) {
            const std::string line = input.readline();
            if (line.empty()) break;
            stream->sendall(line);
          }
          if (receive == 0) stream->shutdown();
        } catch (const std::exception& error) {
          std::cerr << "chat_sock_client: " << error.what() << "\n";
        }
      });
      for (long printed = 0; receive == 0 || printed < receive; ++printed) {
        const std::string line = stream->recv_line();
        if (line.empty()) break;
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fflush(stdout);
      }
      stream->close();
    } catch (const std::exception& error) {
      std::cerr << "chat_sock_client: " << error.what() << "\n";
      status = 1;
    }
  });
  scheduler.run();
  return status;
}
