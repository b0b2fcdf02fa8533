// chat_chan_client: joins the chat room of chat_chan_server. It locates the channel "chat" at the
// server (--peer HOST:PORT) or at any peer found by UDP discovery (--discover), subscribes a task
// that prints what the others say, and sends each line typed on stdin to the channel. stdin is
// read with picos::AsyncFile, so messages keep arriving while the user types. The client leaves
// (unsubscribes) when stdin ends, and stops if the server goes away. For scripts, `--receive N`
// makes it exit after printing N lines (stdin then does not end it).
//   chat_chan_client (--peer HOST:PORT | --discover) [--name NAME] [--host HOST] [--secret S]
//                    [--receive N]
#include "../common/client_start.hpp"
#include "chat_protocol.hpp"

#include <picos/file.hpp>
#include <picos/node.hpp>
#include <picos/picos.hpp>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

namespace {

using namespace std::chrono_literals;

// [B] Finds the channel "chat": at `server`, or at whichever peer has it.
std::optional<picos::RemoteChannel> find_chat(picos::Node& node, const std::optional<picos::Location>& server) {
  return example::find_at(node, server, [&node](std::optional<picos::Location> where, picos::Timeout timeout) {
    return node.locate_channel("chat", std::move(where), timeout);
  });
}

}  // namespace

int main(int argc, char** argv) {
  picos::NodeOptions options;
  options.secret = "picos-chat";
  options.tcp_port = 0;
  std::optional<picos::Location> server;
  std::string name = "user-" + std::to_string(::getpid());
  long receive = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--peer") == 0 && i + 1 < argc) {
      server = example::parse_location(argv[++i]);
      if (!server) {
        std::cerr << "chat_chan_client: --peer wants HOST:PORT\n";
        return 2;
      }
    } else if (std::strcmp(argv[i], "--discover") == 0) {
      options.discover_peers = true;
    } else if (std::strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
      name = argv[++i];
    } else if (std::strcmp(argv[i], "--host") == 0 && i + 1 < argc) {
      options.hosts = {argv[++i]};
    } else if (std::strcmp(argv[i], "--secret") == 0 && i + 1 < argc) {
      options.secret = argv[++i];
    } else if (std::strcmp(argv[i], "--receive") == 0 && i + 1 < argc) {
      receive = std::atol(argv[++i]);
    } else {
      std::cerr << "usage: chat_chan_client (--peer HOST:PORT | --discover) [--name NAME] [--host HOST] "
                   "[--secret S] [--receive N]\n";
      return 2;
    }
  }
  if (!server && !options.discover_peers) {
    std::cerr << "chat_chan_client: give --peer HOST:PORT or --discover\n";
    return 2;
  }
  options.name = name;
  std::unique_ptr<picos::Node> joined;
  try {
    joined = std::make_unique<picos::Node>(options);
  } catch (const std::exception& error) {  // e.g. --discover on a build without UDP discovery
    std::cerr << "chat_chan_client: cannot join the network: " << error.what() << '\n';
    return 1;
  }
  picos::Node& node = *joined;

  picos::Task client = picos::spawn([&]() -> int {
    const std::optional<picos::RemoteChannel> chat = find_chat(node, server);
    if (!chat) {
      std::cerr << "chat_chan_client: no chat channel found (see the log for the reason)\n";
      return 1;
    }
    const picos::Task self = picos::this_task::current();
    node.peer_status(self);
    if (!chat->subscribe(self, 10s)) {
      std::cerr << "chat_chan_client: cannot subscribe to " << chat->reference() << '\n';
      return 1;
    }
    std::cerr << "joined " << chat->reference() << " as " << name << std::endl;

    picos::TaskOptions daemon;
    daemon.daemon = true;  // the typing side must not keep the client alive
    picos::spawn(daemon, [chat, name, self, receive] {
      picos::AsyncFile input(0, false);
      try {
        for (;;) {
          std::string line = input.readline();
          if (line.empty()) break;  // end of input
          if (line.back() == '\n') line.pop_back();
          chat->send(example::ChatLine{name, line});
        }
      } catch (const std::exception& error) {
        std::cerr << "chat_chan_client: " << error.what() << '\n';
      }
      if (receive == 0) self.send(std::string("leave"));
    });

    for (long printed = 0; receive == 0 || printed < receive;) {
      picos::Message message = picos::this_task::receive();
      if (auto* line = message.get_if<example::ChatLine>()) {
        if (line->from == name) continue;  // our own line, back from the server
        std::cout << line->text << std::endl;
        ++printed;
      } else if (auto* status = message.get_if<picos::PeerStatus>()) {
        if (status->status == picos::PeerStatus::Status::offline && status->location == chat->reference().origin) {
          std::cerr << "chat_chan_client: the chat server went away\n";
          return 1;
        }
      } else if (message.is<std::string>()) {
        break;  // stdin ended
      }
    }
    chat->unsubscribe(self, 5s);
    return 0;
  });
  return client.value().get<int>();
}
