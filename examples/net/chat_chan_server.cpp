// chat_chan_server: a chat room as a picos channel shared across processes (pycos's chat_chan
// example). The server joins the network, creates the channel "chat" and registers it so that
// chat_chan_client processes can locate it, subscribe and send lines. The channel's transform
// runs here, at the owner: it drops empty lines and prefixes each line with its sender's name.
// Clients that die (even killed) are simply dropped from the channel when their node goes
// offline; the server keeps running until it is interrupted (Ctrl-C). With --discover it answers
// UDP discovery, so clients started with --discover find it without its address.
//   chat_chan_server [--host HOST] [--port N] [--secret S] [--discover]
#include "chat_protocol.hpp"

#include <picos/channel.hpp>
#include <picos/node.hpp>
#include <picos/picos.hpp>

#include <cstring>
#include <iostream>
#include <string>

namespace {

// Drops lines that are empty or blank; prefixes the others with the sender's name.
std::optional<picos::Message> chat_transform(const std::string& /*channel*/, picos::Message message) {
  auto* line = message.get_if<example::ChatLine>();
  if (line == nullptr) return std::nullopt;  // not a chat line: nobody gets it
  if (line->text.find_first_not_of(" \t\r\n") == std::string::npos) return std::nullopt;
  line->text = line->from + ": " + line->text;
  return message;
}

}  // namespace

int main(int argc, char** argv) {
  picos::NodeOptions options;
  options.name = "chat-server";
  options.secret = "picos-chat";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--host") == 0 && i + 1 < argc) options.hosts = {argv[++i]};
    else if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) options.tcp_port = static_cast<std::uint16_t>(std::stoi(argv[++i]));
    else if (std::strcmp(argv[i], "--secret") == 0 && i + 1 < argc) options.secret = argv[++i];
    else if (std::strcmp(argv[i], "--discover") == 0) options.discover_peers = true;
    else {
      std::cerr << "usage: chat_chan_server [--host HOST] [--port N] [--secret S] [--discover]\n";
      return 2;
    }
  }
  picos::Node node(options);
  picos::Channel chat("chat", chat_transform);
  chat.register_name();

  // The server shows the room too, and who comes and goes.
  picos::Task monitor = picos::spawn([] {
    for (;;) {
      picos::Message message = picos::this_task::receive();
      if (auto* line = message.get_if<example::ChatLine>()) {
        std::cout << line->text << std::endl;
      } else if (auto* status = message.get_if<picos::PeerStatus>()) {
        std::cout << "[" << status->name << " at " << status->location
                  << (status->status == picos::PeerStatus::Status::online ? " joined" : " left") << "]" << std::endl;
      }
    }
  });
  chat.subscribe(monitor);
  node.peer_status(monitor);

  std::cout << "chat server at " << node.location().host << ' ' << node.location().port << std::endl;
  (void)monitor.value();  // runs until the process is interrupted
  return 0;
}
