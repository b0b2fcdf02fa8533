// sock_client: connects to sock_server, sends N numbered lines from N concurrent tasks (each on
// its own connection) and checks every echo. Shows many client connections in one scheduler and
// per-call timeouts.
//
//   sock_client [--host HOST] [--port N] [--clients N]
#include <picos/picos.hpp>
#include <picos/socket.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 0;
  int clients = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--host") == 0) host = argv[i + 1];
    else if (std::strcmp(argv[i], "--port") == 0) port = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--clients") == 0) clients = std::atoi(argv[i + 1]);
  }
  if (port <= 0) {
    std::cerr << "usage: sock_client [--host HOST] --port N [--clients N]\n";
    return 2;
  }
  int ok = 0;
  picos::Scheduler scheduler;
  for (int i = 0; i < clients; ++i) {
    scheduler.spawn([&, i] {
      try {
        using namespace std::chrono_literals;
        auto stream = picos::TcpStream::connect(host, static_cast<std::uint16_t>(port), 10s);
        const std::string line = "hello from client " + std::to_string(i) + "\n";
        stream.sendall(line, 10s);
        if (stream.recv_line(1024, 10s) == line) ++ok;
      } catch (const std::exception& error) {
        std::cerr << "client " << i << ": " << error.what() << "\n";
      }
    });
  }
  scheduler.run();
  std::printf("%d of %d echoes correct\n", ok, clients);
  return ok == clients ? 0 : 1;
}
