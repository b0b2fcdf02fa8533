#pragma once
// Admission of connections that have not finished the handshake yet: a bound per remote address
// and in total, so idle or slow connections (slowloris) cannot use up descriptors and tasks, plus
// a rate-limited log of the connections turned away. Used only by the node's network scheduler
// thread; not thread-safe.

#include <picos/log.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace picos::net {

class HandshakeGate {
 public:
  HandshakeGate(std::size_t per_host, std::size_t total) : per_host_(per_host), total_(total) {}

  // True when a connection from `host` may start its handshake (then release() must follow);
  // false when a limit is reached: the caller closes it and the refusal is logged, at most one
  // line per second with the number of refusals since the last line.
  bool admit(const std::string& host);
  // The handshake of a connection from `host` ended (either way).
  void release(const std::string& host);
  [[nodiscard]] std::size_t pending() const noexcept { return pending_; }

 private:
  void log_refusal(const std::string& host, const char* limit, std::size_t value);

  std::size_t per_host_;
  std::size_t total_;
  std::size_t pending_ = 0;
  std::unordered_map<std::string, std::size_t> by_host_;
  std::chrono::steady_clock::time_point last_log_{};
  std::uint64_t unlogged_ = 0;
};

}  // namespace picos::net
