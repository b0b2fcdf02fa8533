#include "options.hpp"

#include <stdlib.h>

#include <cstdlib>
#include <optional>
#include <string_view>

namespace picos_bench {
namespace {

std::optional<std::uint64_t> positive_number(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  const std::uint64_t value = std::strtoull(std::string(text).c_str(), nullptr, 10);
  if (value == 0) return std::nullopt;
  return value;
}

}  // namespace

std::string usage() {
  return "usage: picos-bench [--json | --markdown] [--compare] [--repeat R] [--quick] [--timeout S]\n"
         "                   [scenario [n]]...\n"
         "       picos-bench --list\n"
         "Runs each scenario (default: the default set) in fresh processes and prints the medians.\n"
         "  --compare   also run the peer programs (Go, Boost.Fiber, Boost.Context, CAF) and print\n"
         "              the ratios picos/peer\n"
         "  --repeat R  measurements per figure (default 5)\n"
         "  --quick     smoke run: one measurement per figure, small n (an explicit n still wins)\n"
         "  --timeout S seconds before a measurement process is killed (default 600)\n";
}

bool parse_options(int argc, char** argv, Options& out, std::string& error) {
  bool quick = false;
  std::vector<std::pair<const Scenario*, std::optional<std::uint64_t>>> named;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::optional<std::uint64_t> number;
    auto take_number = [&] {
      if (i + 1 < argc) number = positive_number(argv[++i]);
      if (!number) error = std::string(arg) + " needs a positive number";
      return number.has_value();
    };
    if (arg == "--json") {
      out.format = Format::json;
    } else if (arg == "--markdown") {
      out.format = Format::markdown;
    } else if (arg == "--compare") {
      out.compare = true;
    } else if (arg == "--quick") {
      quick = true;
    } else if (arg == "--list") {
      out.list = true;
    } else if (arg == "--help" || arg == "-h") {
      out.help = true;
    } else if (arg == "--repeat") {
      if (!take_number()) return false;
      out.repeat = static_cast<int>(*number);
    } else if (arg == "--timeout") {
      if (!take_number()) return false;
      out.limit = std::chrono::seconds(*number);
    } else if (const Scenario* scenario = find_scenario(arg)) {
      named.emplace_back(scenario, std::nullopt);
    } else if (auto n = positive_number(arg); n && !named.empty() && !named.back().second) {
      named.back().second = n;
    } else {
      error = "unexpected argument '" + std::string(arg) + "' (see --list for the scenarios)";
      return false;
    }
  }
  if (quick) {
    out.repeat = 1;
    ::setenv("PICOS_BENCH_QUICK", "1", 1);  // measurement processes with a fixed duration shorten it
  }
  if (named.empty()) {
    for (const Scenario& s : scenarios()) {
      if (s.in_default_set) named.emplace_back(&s, std::nullopt);
    }
  }
  for (const auto& [scenario, n] : named) {
    out.jobs.push_back({scenario, n ? *n : quick ? scenario->quick_n : scenario->default_n});
  }
  return true;
}

}  // namespace picos_bench
