// webserver: a minimal HTTP/1.1 server that answers every request with "pong". Connections are
// kept alive (one task each) until the client sends "Connection: close" or goes away, so load
// tools like wrk reuse connections. Request bodies are not supported (requests with one are
// answered and the connection closed). Prints "http server listening on PORT".
//
//   webserver [--port N]
#include <picos/picos.hpp>
#include <picos/socket.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

void serve(picos::TcpStream& stream) {  // the task owns the stream; spawn passes it by reference
  using namespace std::chrono_literals;
  stream.set_no_delay(true);
  try {
    while (true) {
      const std::string request_line = stream.recv_line(8192, 60s);
      if (request_line.empty()) return;
      bool keep_alive = request_line.find("HTTP/1.1") != std::string::npos;
      bool has_body = false;
      while (true) {  // headers
        const std::string header = lower(stream.recv_line(8192, 60s));
        if (header.empty()) return;
        if (header == "\r\n" || header == "\n") break;
        if (header.rfind("connection:", 0) == 0) keep_alive = header.find("close") == std::string::npos;
        if (header.rfind("content-length:", 0) == 0 || header.rfind("transfer-encoding:", 0) == 0) has_body = true;
      }
      if (has_body) keep_alive = false;
      std::string response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n";
      response += keep_alive ? "\r\npong" : "Connection: close\r\n\r\npong";
      stream.sendall(response, 60s);
      if (!keep_alive) return;
    }
  } catch (const std::exception&) {
    // a client that misbehaves or times out is just dropped
  }
}

}  // namespace

int main(int argc, char** argv) {
  int port = 8080;
  if (argc == 3 && std::strcmp(argv[1], "--port") == 0) port = std::atoi(argv[2]);
  picos::Scheduler scheduler;
  scheduler.spawn([port] {
    auto listener = picos::TcpListener::bind(picos::SocketAddress::any(static_cast<std::uint16_t>(port)), 1024);
    std::printf("http server listening on %u\n", static_cast<unsigned>(listener.local_address().port()));
    std::fflush(stdout);
    while (true) picos::spawn(serve, listener.accept());
  });
  scheduler.run();
}
