#include <array>

#include "scenarios.hpp"

namespace picos_bench {

std::span<const ScenarioEntry> picos_scenarios() {
  static constexpr std::array<ScenarioEntry, 12> table{{
      {"scale", picos_side::scale},
      {"churn", picos_side::churn},
      {"switch", picos_side::switch_round_trips},
      {"pingpong", picos_side::pingpong},
      {"fanout", picos_side::fanout},
      {"lock", picos_side::lock},
      {"echo", picos_side::echo},
      {"tls_echo", picos_side::tls_echo},
      {"webserver", picos_side::webserver},
      {"remote_stream", picos_side::remote_stream},
      {"remote_deliver", picos_side::remote_deliver},
      {"locate", picos_side::locate},
  }};
  return table;
}

}  // namespace picos_bench
