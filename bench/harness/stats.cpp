#include "stats.hpp"

#include <algorithm>

namespace picos_bench {

double median(std::vector<double> values) {
  const std::size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

Row median_row(const std::vector<Row>& runs) {
  Row out = runs.front();
  out.runs = static_cast<int>(runs.size());
  for (auto& [name, value] : out.figures) {
    std::vector<double> samples;
    for (const Row& run : runs) {
      if (auto v = figure(run, name)) samples.push_back(*v);
    }
    value = median(std::move(samples));
  }
  return out;
}

}  // namespace picos_bench
