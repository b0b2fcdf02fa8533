// NodeCore::ask_peers(): the search behind locate, locate_channel and rti::locate.
#include "net/caller_wait.hpp"
#include "net/node_core.hpp"

#include <algorithm>

namespace picos::detail {
namespace {

using Clock = std::chrono::steady_clock;
// How often a search with no peer to ask looks for one that came online.
constexpr auto peer_poll = std::chrono::milliseconds(10);

}  // namespace

// Rounds: the peers not asked yet are asked together. A peer that comes online meanwhile (by
// discovery, say) is asked in the next round; when every peer asked has said no and none is new,
// the answer is no without waiting out the timeout; with no peer at all it waits for one until
// the deadline.
std::optional<net::Frame> NodeCore::ask_peers(const std::optional<Location>& where, Timeout timeout,
                                              const std::function<Bytes(std::uint64_t)>& make,
                                              const std::function<bool(const net::Frame&)>& found) {
  const auto deadline = deadline_of(timeout);
  std::vector<Location> asked;
  for (;;) {
    std::vector<Location> round;
    for (const Location& peer : where ? std::vector<Location>{*where} : online_peers()) {
      if (std::find(asked.begin(), asked.end(), peer) == asked.end()) round.push_back(peer);
    }
    if (round.empty()) {
      if (!asked.empty() || Clock::now() >= deadline) return std::nullopt;
      pause_caller(peer_poll);
      continue;
    }
    for (net::Frame& reply : request(round, time_left(deadline), make, found)) {
      if (found(reply)) return std::move(reply);
    }
    if (Clock::now() >= deadline) return std::nullopt;
    asked.insert(asked.end(), round.begin(), round.end());
  }
}

}  // namespace picos::detail
