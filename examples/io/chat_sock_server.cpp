// chat_sock_server: a line-based TCP chat room. Every line a client sends is forwarded, unchanged
// and in order, to every other connected client. Works with chat_sock_client, nc and telnet; with
// `--tls CERT KEY` it speaks TLS instead (try `openssl s_client -connect 127.0.0.1:PORT`). Each
// client gets a reader task (its lines go to the other clients' writer tasks as messages) and a
// writer task (so a slow client never stalls the others).
//
//   chat_sock_server [--host ADDRESS] [--port N] [--tls CERT KEY]
//
// It prints "chat server listening on PORT" once it accepts connections (PORT 0 picks a free one).
#include <picos/picos.hpp>
#include <picos/socket.hpp>
#include <picos/tls.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <unordered_map>

namespace {

struct Client {
  picos::TcpStream stream;
  picos::Task writer;
};

// Live clients by id; only touched by tasks of the one scheduler, so no locking is needed.
std::unordered_map<std::uint64_t, std::shared_ptr<Client>> clients;

void write_loop(std::shared_ptr<Client> client) {
  try {
    while (true) {
      picos::Message message = picos::this_task::receive();
      if (!message.is<std::string>()) break;  // the stop signal
      client->stream.sendall(message.get<std::string>(), std::chrono::seconds(30));
    }
  } catch (const std::exception& error) {
    std::cerr << "chat: dropping a slow or broken client: " << error.what() << "\n";
    client->stream.close();  // its reader sees the close and cleans up
  }
}

void serve(std::uint64_t id, std::shared_ptr<Client> client) {
  std::string who = "client";
  try {
    who = client->stream.peer_address().to_string();
    client->stream.handshake(std::chrono::seconds(30));  // TLS only; a no-op otherwise
    client->writer = picos::spawn(write_loop, client);
    clients.emplace(id, client);
    std::cerr << "chat: " << who << " joined (" << clients.size() << " online)\n";
    while (true) {
      std::string line = client->stream.recv_line(64 * 1024);
      if (line.empty()) break;
      if (line.back() != '\n') line += '\n';
      for (auto& [other_id, other] : clients) {
        if (other_id != id) other->writer.send(picos::Message(line));
      }
    }
  } catch (const std::exception& error) {
    std::cerr << "chat: " << who << ": " << error.what() << "\n";
  }
  clients.erase(id);
  if (client->writer.valid()) {
    client->writer.send(picos::Message(false));  // not a line: ends the writer after the queued lines
    client->writer.finish();
  }
  client->stream.close();
  std::cerr << "chat: " << who << " left\n";
}

int usage() {
  std::cerr << "usage: chat_sock_server [--host ADDRESS] [--port N] [--tls CERT KEY]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host;
  int port = 0;
  std::shared_ptr<const picos::TlsContext> tls;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--host") == 0 && i + 1 < argc) host = argv[++i];
    else if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) port = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--tls") == 0 && i + 2 < argc) {
      picos::TlsOptions options;
      options.certificate_file = argv[i + 1];
      options.private_key_file = argv[i + 2];
      i += 2;
      tls = picos::TlsContext::server(options);
    } else return usage();
  }
  picos::Scheduler scheduler;
  scheduler.spawn([&] {
    picos::TcpListener listener;
    const auto wanted = static_cast<std::uint16_t>(port);
    if (host.empty()) {
      try {
        listener = picos::TcpListener::bind(picos::SocketAddress::any(wanted, picos::AddressFamily::ipv6));
      } catch (const std::system_error&) {  // no IPv6 here
        listener = picos::TcpListener::bind(picos::SocketAddress::any(wanted));
      }
    } else {
      listener = picos::TcpListener::bind(picos::resolve(host, wanted).front());
    }
    listener.set_tls(tls);
    std::printf("chat server listening on %u\n", static_cast<unsigned>(listener.local_address().port()));
    std::fflush(stdout);
    for (std::uint64_t id = 1;; ++id) {
      auto client = std::make_shared<Client>();
      client->stream = listener.accept();
      picos::spawn(serve, id, std::move(client));
    }
  });
  scheduler.run();
}
