// Runs the repeated fresh-process measurements of one (scenario, impl, n) and takes the medians.
#pragma once

#include <chrono>
#include <cstdint>

#include "registry.hpp"
#include "row.hpp"

namespace picos_bench {

/// Runs `repeat` fresh processes of impl's program for (scenario, n), each printing one protocol
/// line, and returns the row of medians. The first failing run ends the series and is returned
/// as a row with `error` set. Precondition: program_path(impl) is not empty.
[[nodiscard]] Row measure(const Scenario& scenario, const Impl& impl, std::uint64_t n, int repeat,
                          std::chrono::seconds limit);

}  // namespace picos_bench
