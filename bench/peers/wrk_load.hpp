// HTTP load with wrk (the Debian package): runs `wrk -t1 -c<connections> -d<seconds>s` against
// http://127.0.0.1:<port>/ pinned to the load CPU and reads its "Requests/sec" line.
#pragma once

#include <chrono>
#include <cstdint>

#include "../common/protocol.hpp"
#include "server_process.hpp"

namespace picos_bench::io {

/// The wrk program from PATH, or empty when it is not installed.
[[nodiscard]] std::string find_wrk();

/// Runs wrk against `server` from `cpu` for `duration`. Returns the figures conns, requests_per_s
/// and server_us_per_request (server user+system CPU per request). Throws std::runtime_error when
/// wrk is missing, fails, or reports socket errors or non-2xx answers.
[[nodiscard]] Figures drive_wrk(const ServerProcess& server, std::uint64_t connections, std::chrono::seconds duration,
                                int cpu);

}  // namespace picos_bench::io
