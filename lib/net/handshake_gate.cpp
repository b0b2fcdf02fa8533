// A connection flood must not turn into a log flood either: a logged line per refused
// connection would let an attacker fill disks, so refusals are summarised once per second.
#include "net/handshake_gate.hpp"

namespace picos::net {
namespace {
constexpr auto refusal_log_interval = std::chrono::seconds(1);
}

bool HandshakeGate::admit(const std::string& host) {
  std::size_t& from_host = by_host_[host];
  if (from_host >= per_host_) {
    log_refusal(host, "per address", per_host_);
    return false;
  }
  if (pending_ >= total_) {
    if (from_host == 0) by_host_.erase(host);
    log_refusal(host, "in total", total_);
    return false;
  }
  ++from_host;
  ++pending_;
  return true;
}

void HandshakeGate::release(const std::string& host) {
  auto found = by_host_.find(host);
  if (found == by_host_.end()) return;
  --pending_;
  if (--found->second == 0) by_host_.erase(found);
}

void HandshakeGate::log_refusal(const std::string& host, const char* limit, std::size_t value) {
  ++unlogged_;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_log_ < refusal_log_interval) return;
  log(LogLevel::warning, "picos: refused ", unlogged_, " peer connection(s), the last from ", host, ": ", value,
      " handshakes already pending ", limit);
  last_log_ = now;
  unlogged_ = 0;
}

}  // namespace picos::net
