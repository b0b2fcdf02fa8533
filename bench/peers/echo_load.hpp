// The echo load generator of the harness: `connections` TCP (optionally TLS 1.3) connections to
// 127.0.0.1:port, each bouncing one `message_bytes` message back and forth (ping-pong: the next
// message leaves when the whole echo has come back), driven by one epoll loop on the calling
// thread. A warm-up runs first; then the server's CPU time and the round trips are counted over
// the measured interval.
#pragma once

#include <chrono>
#include <cstdint>

#include "../common/protocol.hpp"
#include "server_process.hpp"

namespace picos_bench::io {

struct EchoLoad {
  std::uint64_t connections = 64;
  std::size_t message_bytes = 64;
  bool tls = false;  ///< TLS 1.3 client without certificate verification
  std::chrono::milliseconds warmup{500};
  std::chrono::milliseconds measured{3000};
};

/// Drives `server` (already listening) with `load` from the calling thread, which should be
/// pinned to the load CPU. Returns the figures: conns, rtps (round trips per second),
/// server_us_per_rt (server user+system CPU microseconds per round trip), mib_per_s (echoed
/// payload MiB per second, one direction) and load_cpu_share (CPU the load generator used over
/// the interval / interval length: near 1 means the load generator was the bottleneck). Throws
/// std::system_error on socket failures and std::runtime_error when the echo is wrong or a
/// connection closes.
[[nodiscard]] Figures drive_echo(const ServerProcess& server, const EchoLoad& load);

}  // namespace picos_bench::io
