// sock_server: a TCP echo server. Each connection is served by its own task that echoes every
// line back until the client closes; many clients are served at once by one scheduler thread.
// Pair it with sock_client (or nc). Prints "echo server listening on PORT".
//
//   sock_server [--port N]
#include <picos/picos.hpp>
#include <picos/socket.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

int main(int argc, char** argv) {
  int port = 0;
  if (argc == 3 && std::strcmp(argv[1], "--port") == 0) port = std::atoi(argv[2]);
  else if (argc != 1) {
    std::cerr << "usage: sock_server [--port N]\n";
    return 2;
  }
  picos::Scheduler scheduler;
  scheduler.spawn([port] {
    auto listener = picos::TcpListener::bind(picos::SocketAddress::any(static_cast<std::uint16_t>(port)));
    std::printf("echo server listening on %u\n", static_cast<unsigned>(listener.local_address().port()));
    std::fflush(stdout);
    while (true) {
      picos::spawn([](picos::TcpStream& stream) {
        try {
          while (true) {
            const std::string line = stream.recv_line();
            if (line.empty()) break;
            stream.sendall(line);
          }
        } catch (const std::exception& error) {
          std::cerr << "sock_server: " << error.what() << "\n";
        }
      }, listener.accept());
    }
  });
  scheduler.run();
}
