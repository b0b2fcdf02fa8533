// remote_channel_client: uses the channel "squares" of remote_channel_server from another
// process. It locates the channel at the server, subscribes one of its own tasks and one of its
// own channels ("mirror", which passes each message on to a second task: a hierarchy across
// processes), then delivers a few numbers and prints how many tasks each reached. The server's
// transform turns every number into text and drops the negative ones (reached: 0). Each
// subscriber gets the messages in the order they were sent. Start the server first, then:
//   remote_channel_client <server host> <server port> [secret]
#include "../common/client_start.hpp"
#include <picos/channel.hpp>
#include <picos/node.hpp>
#include <picos/picos.hpp>
#include <picos/receive.hpp>

#include <iostream>
#include <optional>
#include <string>

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  const std::optional<example::ClientStart> start = example::parse_client_start(argc, argv, "remote_channel_client");
  if (!start) return 2;
  const picos::Location& server = start->server;
  picos::Node node(start->options);

  picos::Task client = picos::spawn([&]() -> int {
    if (!example::reach_server(node, server)) return 1;
    std::optional<picos::RemoteChannel> squares = node.locate_channel("squares", server, 10s);
    if (!squares) {
      std::cerr << "no channel 'squares' at " << server << '\n';
      return 1;
    }
    std::cout << "found " << squares->reference() << std::endl;

    auto printer = [](const char* who, int expected) {
      return picos::spawn([who, expected] {
        for (int i = 0; i < expected; ++i) {
          std::optional<std::string> text = picos::this_task::receive_as<std::string>(10s);
          if (!text) return;
          std::cout << who << " got: " << *text << std::endl;
        }
      });
    };
    const int numbers[] = {3, -1, 4, 12};
    const picos::Task direct = printer("task", 3);
    const picos::Task behind_mirror = printer("mirror's task", 3);
    picos::Channel mirror("mirror");
    mirror.subscribe(behind_mirror);
    if (!squares->subscribe(direct, 10s) || !squares->subscribe(mirror, 10s)) {
      std::cerr << "cannot subscribe to " << squares->reference() << '\n';
      return 1;
    }
    for (int n : numbers) {
      const std::size_t reached = squares->deliver(n, 10s);
      std::cout << "deliver " << n << ": reached " << reached << " tasks" << std::endl;
    }
    direct.finish(20s);
    behind_mirror.finish(20s);
    squares->unsubscribe(direct, 10s);
    squares->unsubscribe(mirror, 10s);
    const std::size_t reached = squares->deliver(5, 10s);
    std::cout << "after unsubscribing: reached " << reached << " task (the server's)" << std::endl;
    return 0;
  });
  return client.value(60s).get<int>();
}
