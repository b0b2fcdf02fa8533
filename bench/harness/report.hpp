// Turns measured rows into the output of picos-bench: the results table, the picos/peer ratios
// and the JSON array.
#pragma once

#include <string>
#include <vector>

#include "row.hpp"

namespace picos_bench {

enum class Format { text, markdown, json };

/// The table of results (rows without an error): scenario, impl, n, then one column per figure.
[[nodiscard]] std::string results_table(const std::vector<Row>& rows, Format format);

/// Ratios picos/peer for every picos row and every peer row of the same scenario and n, per
/// figure they share, followed by a line saying which direction is better. Empty without pairs.
[[nodiscard]] std::string ratios_table(const std::vector<Row>& rows, Format format);

/// All rows (also failed ones, with their "error") as a JSON array, one object per line.
[[nodiscard]] std::string rows_json(const std::vector<Row>& rows);

}  // namespace picos_bench
