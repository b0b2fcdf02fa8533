#include "measure.hpp"

#include <string>
#include <vector>

#include "stats.hpp"

namespace picos_bench {
namespace {

/// The last line of `out` that is a protocol object, if any.
std::optional<Row> last_row(const std::string& out) {
  std::optional<Row> found;
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    if (auto row = parse_row(std::string_view(out).substr(start, end - start))) found = std::move(row);
    start = end + 1;
  }
  return found;
}

/// One fresh process; returns its row, or a row with `error` describing what went wrong.
Row run_once(const Scenario& scenario, const Impl& impl, std::uint64_t n, std::chrono::seconds limit) {
  std::vector<std::string> args{std::string(scenario.name), std::string(impl.name), std::to_string(n)};
  if (impl.program == "self") args.insert(args.begin(), "--single");
  const ProcessResult result = run_process(program_path(impl), args, impl.env, limit);

  Row failed{std::string(scenario.name), std::string(impl.name), n, {}, {}, 1};
  if (!result.failure.empty()) {
    failed.error = result.failure;
    return failed;
  }
  std::optional<Row> row = last_row(result.out);
  if (row && row->error.empty() && result.exit_code == 0 && !result.timed_out) {
    if (row->scenario != scenario.name || row->impl != impl.name || row->n != n) {
      failed.error = "the program answered for another measurement";
      return failed;
    }
    row->runs = 1;
    return *row;
  }
  if (row && !row->error.empty()) {
    failed.error = row->error;
  } else if (result.timed_out) {
    failed.error = "timed out after " + std::to_string(limit.count()) + " s";
  } else if (result.signal != 0) {
    failed.error = "killed by signal " + std::to_string(result.signal);
  } else {
    failed.error = "exit status " + std::to_string(result.exit_code) + " without a result line";
  }
  return failed;
}

}  // namespace

Row measure(const Scenario& scenario, const Impl& impl, std::uint64_t n, int repeat,
            std::chrono::seconds limit) {
  std::vector<Row> runs;
  for (int i = 0; i < repeat; ++i) {
    Row row = run_once(scenario, impl, n, limit);
    if (!row.error.empty()) return row;
    runs.push_back(std::move(row));
  }
  return median_row(runs);
}

}  // namespace picos_bench
