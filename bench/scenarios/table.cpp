#include <array>

#include "scenarios.hpp"

namespace picos_bench {

std::span<const ScenarioEntry> picos_scenarios() {
  static constexpr std::array<ScenarioEntry, 6> table{{
      {"scale", picos_side::scale},
      {"churn", picos_side::churn},
      {"switch", picos_side::switch_round_trips},
      {"pingpong", picos_side::pingpong},
      {"fanout", picos_side::fanout},
      {"lock", picos_side::lock},
  }};
  return table;
}

}  // namespace picos_bench
