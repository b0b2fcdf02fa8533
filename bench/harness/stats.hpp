// Medians over repeated measurements.
#pragma once

#include <vector>

#include "row.hpp"

namespace picos_bench {

/// Median of `values` (mean of the two middle values for an even count). Precondition: not empty.
[[nodiscard]] double median(std::vector<double> values);

/// Combines the runs of one (scenario, impl, n) into one row whose figures are the medians of
/// each figure over the runs. Figures keep the order of the first run; a figure missing from some
/// run is the median of the runs that have it. Precondition: `runs` is not empty and error-free.
[[nodiscard]] Row median_row(const std::vector<Row>& runs);

}  // namespace picos_bench
