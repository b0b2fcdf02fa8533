// A measured row: one (scenario, impl, n) with its figures, or the error that stopped it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "../common/protocol.hpp"

namespace picos_bench {

struct Row {
  std::string scenario;
  std::string impl;
  std::uint64_t n = 0;
  Figures figures;   ///< in the order the program printed them
  std::string error; ///< non-empty when the measurement failed
  int runs = 0;      ///< measurements the figures are the median of
};

/// Parses one protocol line (a flat JSON object of strings and numbers, see bench/common/protocol.hpp).
/// Returns std::nullopt when the text is not such an object or lacks "scenario" and "impl".
[[nodiscard]] std::optional<Row> parse_row(std::string_view line);

/// Renders a row as one JSON object (the --json output format).
[[nodiscard]] std::string row_to_json(const Row& row);

/// The value of figure `name`, if the row has it.
[[nodiscard]] std::optional<double> figure(const Row& row, std::string_view name);

}  // namespace picos_bench
