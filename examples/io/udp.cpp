// udp: a UDP server task and a client task in one program. The client sends numbered datagrams;
// the server answers each with the text upper-cased; the client waits for every answer with a
// timeout (datagrams may be lost in general, not on loopback).
#include <picos/picos.hpp>
#include <picos/socket.hpp>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <iostream>

int main() {
  using namespace std::chrono_literals;
  picos::Scheduler scheduler;
  auto server_socket = std::make_shared<picos::UdpSocket>(picos::UdpSocket::bind(picos::SocketAddress::loopback(0)));
  const picos::SocketAddress server_address = server_socket->local_address();
  picos::TaskOptions daemon;
  daemon.daemon = true;
  scheduler.spawn(daemon, [server_socket] {
    while (true) {
      auto [data, sender] = server_socket->recvfrom();
      for (char& c : data) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      server_socket->sendto(data, sender);
    }
  });
  scheduler.spawn([server_address] {
    auto socket = picos::UdpSocket::open();
    for (int i = 0; i < 5; ++i) {
      socket.sendto("datagram " + std::to_string(i), server_address);
      try {
        auto [reply, from] = socket.recvfrom(1024, 2s);
        std::printf("%s replied: %s\n", from.to_string().c_str(), reply.c_str());
      } catch (const std::system_error& error) {
        std::cerr << "no reply: " << error.what() << "\n";
      }
    }
  });
  scheduler.run();
}
