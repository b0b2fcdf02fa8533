// remote_channel_server: a node that owns a channel other processes use (pycos's remote channel
// examples). It registers the channel "squares", whose transform runs here for every message,
// whoever sends it: an integer n becomes the text "n^2 = ...", negative numbers are dropped. A
// local task prints everything that goes through. Start remote_channel_client with the printed
// host and port (and the same secret) in another terminal; press Ctrl-D to stop the server.
//   remote_channel_server [secret] [port]
#include <picos/channel.hpp>
#include <picos/node.hpp>
#include <picos/picos.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  picos::NodeOptions options;
  options.secret = argc > 1 ? argv[1] : "picos-example";
  if (argc > 2) options.tcp_port = static_cast<std::uint16_t>(std::stoi(argv[2]));
  picos::Node node(options);

  picos::Channel squares("squares", [](const std::string&, picos::Message message) -> std::optional<picos::Message> {
    const int* n = message.get_if<int>();
    if (n == nullptr || *n < 0) return std::nullopt;
    return picos::Message(std::to_string(*n) + "^2 = " + std::to_string(static_cast<long long>(*n) * *n));
  });
  squares.register_name();

  picos::Task printer = picos::spawn([] {
    for (;;) {
      picos::Message message = picos::this_task::receive();
      if (auto* text = message.get_if<std::string>()) std::cout << "server sees: " << *text << std::endl;
    }
  });
  squares.subscribe(printer);

  std::cout << "server " << node.name() << " at " << node.location().host << ' ' << node.location().port
            << " (Ctrl-D to stop)" << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  picos::Scheduler::instance().terminate();
  return 0;
}
