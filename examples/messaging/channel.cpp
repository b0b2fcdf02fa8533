// channel: local broadcast. A publisher delivers stock quotes to a channel once three subscriber
// tasks have joined (deliver with n = 3 waits for them); a transform on the channel rounds the
// prices and drops quotes of an unlisted symbol; a second channel subscribed to the first (a
// hierarchy) feeds an auditor task. deliver() returns how many tasks each quote reached.
// Run: ./channel
#include <picos/channel.hpp>
#include <picos/picos.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace {

using Quote = std::pair<std::string, double>;

std::optional<picos::Message> round_prices(const std::string&, picos::Message message) {
  if (!message.is<Quote>()) return message;  // control messages pass unchanged
  auto quote = std::move(message).get<Quote>();
  if (quote.first == "XXX") return std::nullopt;  // not listed: dropped
  quote.second = std::round(quote.second * 100) / 100;
  return picos::Message(std::move(quote));
}

int subscriber(picos::Channel channel, std::string who) {
  channel.subscribe(picos::this_task::current());
  int seen = 0;
  while (true) {
    picos::Message message = picos::this_task::receive();
    if (message.is<std::string>()) break;  // "closing"
    const auto& quote = message.get<Quote>();
    std::printf("%-8s %s %.2f\n", who.c_str(), quote.first.c_str(), quote.second);
    ++seen;
  }
  return seen;
}

}  // namespace

int main() {
  picos::Channel quotes("quotes", round_prices);
  picos::Channel audit("audit");
  quotes.subscribe(audit);
  std::vector<picos::Task> readers;
  readers.push_back(picos::spawn(subscriber, quotes, std::string("alice")));
  readers.push_back(picos::spawn(subscriber, quotes, std::string("bob")));
  readers.push_back(picos::spawn(subscriber, audit, std::string("auditor")));
  auto publisher = picos::spawn([quotes] {
    const std::vector<Quote> feed{{"ACME", 12.3456}, {"XXX", 1.0}, {"INIT", 99.999}};
    for (const auto& quote : feed) {
      // n = 3: the channel has two tasks and the audit channel once everyone subscribed.
      const std::size_t reached = quotes.deliver(quote, std::chrono::seconds(5), 3);
      std::printf("publisher: %s reached %zu tasks\n", quote.first.c_str(), reached);
    }
    quotes.send(std::string("closing"));
  });
  publisher.value();
  for (auto& reader : readers) std::printf("%s saw %d quotes\n", reader.to_string().c_str(), reader.value().get<int>());
  quotes.close();
  picos::Scheduler::instance().finish();
}
