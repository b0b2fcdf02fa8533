// client_server: local message passing. A server task receives requests (the client's handle and
// a number) and answers each client with the square of its number; several client tasks send a
// few requests each and wait for the answers with a typed receive. Messages are ordinary C++
// values moved between tasks: nothing is copied or serialized. Run: ./client_server
#include <picos/picos.hpp>
#include <picos/receive.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

struct Request {
  picos::Task client;
  int number = 0;
};

void server() {
  picos::this_task::set_daemon();  // serves for as long as clients exist
  while (true) {
    picos::Message message = picos::this_task::receive();
    if (auto* request = message.get_if<Request>()) {
      request->client.send(request->number * request->number);
    } else {
      picos::log(picos::LogLevel::warning, "server: ignoring a message of type ", picos::type_name(message.type()));
    }
  }
}

int client(picos::Task server_task, int id) {
  int sum = 0;
  for (int i = 1; i <= 3; ++i) {
    server_task.send(Request{picos::this_task::current(), id * 10 + i});
    auto answer = picos::this_task::receive_as<int>(std::chrono::seconds(5));
    if (!answer) throw std::runtime_error("the server did not answer");
    std::printf("client %d: %d squared is %d\n", id, id * 10 + i, *answer);
    sum += *answer;
  }
  return sum;
}

}  // namespace

int main() {
  picos::Task server_task = picos::spawn(server);
  std::vector<picos::Task> clients;
  for (int id = 1; id <= 4; ++id) clients.push_back(picos::spawn(client, server_task, id));
  for (auto& c : clients) std::printf("%s got %d in total\n", c.to_string().c_str(), c.value().get<int>());
  picos::Scheduler::instance().finish();
}
