// The distributed scenarios of the CAF peer (caf_remote.cpp): CAF actors in two processes linked
// by CAF's io module (caf::io::middleman publish / remote_actor) over loopback TCP.
#pragma once

#include <cstdint>
#include <string_view>

#include "../common/protocol.hpp"

namespace picos_bench::caf_peer {

/// remote_stream: an actor of this process sends n 16-byte strings to a published actor of a
/// serving process, which checks their order and answers after the n-th.
[[nodiscard]] Figures remote_stream(std::string_view impl, std::uint64_t n);

/// remote_deliver: n request/response round trips of a 16-byte string after a warm-up.
[[nodiscard]] Figures remote_deliver(std::string_view impl, std::uint64_t n);

/// The serving process (`caf-peer --serve <scenario>`): publishes the scenario's actor on
/// 127.0.0.1, prints "caf listening on PORT" and serves until killed. Returns the exit status.
int serve(std::string_view scenario);

}  // namespace picos_bench::caf_peer
