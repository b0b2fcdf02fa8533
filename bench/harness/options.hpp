// The command line of picos-bench.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "registry.hpp"
#include "report.hpp"

namespace picos_bench {

/// One scenario to run at one n.
struct Job {
  const Scenario* scenario;
  std::uint64_t n;
};

struct Options {
  Format format = Format::text;
  bool compare = false;  ///< also run the peers
  bool list = false;     ///< only list the scenarios
  bool help = false;
  int repeat = 5;
  std::chrono::seconds limit{600};  ///< per process
  std::vector<Job> jobs;            ///< the default set when none was named
};

/// Parses argv (without the hidden --single mode, handled before). Returns false and sets
/// `error` on a bad command line.
[[nodiscard]] bool parse_options(int argc, char** argv, Options& out, std::string& error);

/// The usage text.
[[nodiscard]] std::string usage();

}  // namespace picos_bench
