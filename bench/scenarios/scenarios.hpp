// The picos side of the scenarios, run in-process by `picos-bench --single <scenario> <impl> <n>`.
// Each function returns the figures for one measurement (see bench/common/meter.hpp for how time
// and memory are measured) or throws.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "../common/meter.hpp"
#include "../common/protocol.hpp"

namespace picos_bench {

/// Every picos scenario, by name.
[[nodiscard]] std::span<const ScenarioEntry> picos_scenarios();

namespace picos_side {
Figures scale(std::string_view impl, std::uint64_t n);
Figures churn(std::string_view impl, std::uint64_t n);
Figures switch_round_trips(std::string_view impl, std::uint64_t n);
Figures pingpong(std::string_view impl, std::uint64_t n);
Figures fanout(std::string_view impl, std::uint64_t n);
Figures lock(std::string_view impl, std::uint64_t n);
Figures echo(std::string_view impl, std::uint64_t n);
Figures tls_echo(std::string_view impl, std::uint64_t n);
Figures webserver(std::string_view impl, std::uint64_t n);
Figures remote_stream(std::string_view impl, std::uint64_t n);
Figures remote_deliver(std::string_view impl, std::uint64_t n);
Figures locate(std::string_view impl, std::uint64_t n);
}  // namespace picos_side

}  // namespace picos_bench
