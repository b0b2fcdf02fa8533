// picos-bench: runs named scenarios in fresh processes, for picos and (with --compare) for the
// peer programs, and prints the medians as a table, markdown or JSON. See options.cpp for usage.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "../scenarios/scenarios.hpp"
#include "measure.hpp"
#include "options.hpp"
#include "registry.hpp"
#include "report.hpp"

namespace picos_bench {
namespace {

std::string join(const std::vector<std::string_view>& names) {
  std::string out;
  for (auto name : names) out += (out.empty() ? "" : ", ") + std::string(name);
  return out.empty() ? "-" : out;
}

void print_list() {
  for (const Scenario& s : scenarios()) {
    std::printf("%s (default n = %llu%s)\n  n: %s\n  figures: %s\n  picos: %s\n  peers: %s\n",
                std::string(s.name).c_str(), static_cast<unsigned long long>(s.default_n),
                s.in_default_set ? ", in the default set" : "", std::string(s.n_means).c_str(),
                std::string(s.figures).c_str(), join(s.picos_impls).c_str(), join(s.peer_impls).c_str());
  }
  std::printf("\nimplementations:\n");
  for (const Impl& impl : impls()) {
    const bool built = !program_path(impl).empty();
    std::printf("  %-21s %s%s\n", std::string(impl.name).c_str(), std::string(impl.about).c_str(),
                built ? "" : " [not built]");
  }
}

/// Measures every impl of every job; failures and skipped peers become notes.
std::vector<Row> run_jobs(const Options& options, std::vector<std::string>& notes) {
  std::vector<Row> rows;
  for (const Job& job : options.jobs) {
    std::vector<std::string_view> names = job.scenario->picos_impls;
    if (names.empty()) notes.push_back(std::string(job.scenario->name) + ": no picos implementation yet");
    if (options.compare) names.insert(names.end(), job.scenario->peer_impls.begin(), job.scenario->peer_impls.end());
    for (std::string_view name : names) {
      const Impl& impl = *find_impl(name);
      const std::string label = std::string(job.scenario->name) + " n=" + std::to_string(job.n) + " " + std::string(name);
      if (program_path(impl).empty()) {
        notes.push_back("skipped " + label + ": " + std::string(missing_reason(impl)));
        continue;
      }
      std::fprintf(stderr, "picos-bench: %s (%d run%s)\n", label.c_str(), options.repeat, options.repeat == 1 ? "" : "s");
      Row row = measure(*job.scenario, impl, job.n, options.repeat, options.limit);
      if (!row.error.empty()) notes.push_back("failed " + label + ": " + row.error);
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

void print_report(const Options& options, const std::vector<Row>& rows, const std::vector<std::string>& notes) {
  if (options.format == Format::json) {
    std::fputs(rows_json(rows).c_str(), stdout);
    for (const auto& note : notes) std::fprintf(stderr, "picos-bench: %s\n", note.c_str());
    return;
  }
  std::printf("Medians of %d fresh-process run%s each.\n\n", options.repeat, options.repeat == 1 ? "" : "s");
  const std::string results = results_table(rows, options.format);
  std::fputs(results.empty() ? "No results.\n" : results.c_str(), stdout);
  if (options.compare) {
    const std::string ratios = ratios_table(rows, options.format);
    if (!ratios.empty()) std::printf("\n%s", ratios.c_str());
  }
  if (!notes.empty()) std::printf("\n");
  for (const auto& note : notes) std::printf("%s%s\n", options.format == Format::markdown ? "- " : "", note.c_str());
}

int run_single(int argc, char** argv) {
  Request request;
  if (!parse_request(argc, argv, request)) return 2;
  return run_request(request, picos_scenarios());
}

}  // namespace
}  // namespace picos_bench

int main(int argc, char** argv) {
  using namespace picos_bench;
  if (argc >= 2 && std::string_view(argv[1]) == "--single") return run_single(argc - 1, argv + 1);
  Options options;
  std::string error;
  if (!parse_options(argc, argv, options, error)) {
    std::fprintf(stderr, "picos-bench: %s\n%s", error.c_str(), usage().c_str());
    return 2;
  }
  if (options.help) {
    std::fputs(usage().c_str(), stdout);
    return 0;
  }
  if (options.list) {
    print_list();
    return 0;
  }
  std::vector<std::string> notes;
  const std::vector<Row> rows = run_jobs(options, notes);
  print_report(options, rows, notes);
  // A failing peer is a finding reported in the notes; a failing picos measurement is an error.
  const bool picos_failed = std::any_of(rows.begin(), rows.end(), [](const Row& r) {
    return !r.error.empty() && find_impl(r.impl)->program == "self";
  });
  return picos_failed ? 1 : 0;
}
