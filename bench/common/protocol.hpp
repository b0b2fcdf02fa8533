// The one-line protocol every measurement process speaks (picos-bench --single and the peers):
// the process takes `<scenario> <impl> <n>` and prints exactly one line on stdout, a flat JSON
// object with "scenario", "impl", "n" and figures whose unit is part of their name; on failure
// it prints an object with an "error" string instead and exits with a non-zero status.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace picos_bench {

/// Named figures of one measurement, in output order (unit in the name: park_s, tasks_per_s...).
using Figures = std::vector<std::pair<std::string, double>>;

/// Escapes a string for a JSON string literal (quotes, backslashes, control characters).
[[nodiscard]] inline std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

/// Renders a figure value as a JSON number.
[[nodiscard]] inline std::string json_number(double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", value);
  return buf;
}

/// The members of a result object, without the closing brace, so callers may append more.
[[nodiscard]] inline std::string result_members(std::string_view scenario, std::string_view impl,
                                                std::uint64_t n, const Figures& figures) {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) about `"literal" + std::string&&`.
  std::string out = "{\"scenario\":";
  out += json_quote(scenario);
  out += ",\"impl\":";
  out += json_quote(impl);
  out += ",\"n\":";
  out += std::to_string(n);
  for (const auto& [name, value] : figures) {
    out += ',';
    out += json_quote(name);
    out += ':';
    out += json_number(value);
  }
  return out;
}

/// Prints the protocol line for a successful measurement.
inline void print_result(std::string_view scenario, std::string_view impl, std::uint64_t n,
                         const Figures& figures) {
  std::printf("%s}\n", result_members(scenario, impl, n, figures).c_str());
  std::fflush(stdout);
}

/// Prints the protocol line for a failed measurement; the caller then exits non-zero.
inline void print_error(std::string_view scenario, std::string_view impl, std::string_view what) {
  std::printf("{\"scenario\":%s,\"impl\":%s,\"error\":%s}\n", json_quote(scenario).c_str(),
              json_quote(impl).c_str(), json_quote(what).c_str());
  std::fflush(stdout);
}

/// Parses the `<scenario> <impl> <n>` arguments every measurement process takes.
struct Request {
  std::string scenario;
  std::string impl;
  std::uint64_t n = 0;
};

/// Returns false (after printing usage to stderr) when argv is not `<scenario> <impl> <n>`.
[[nodiscard]] inline bool parse_request(int argc, char** argv, Request& out) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <scenario> <impl> <n>\n", argc > 0 ? argv[0] : "peer");
    return false;
  }
  out.scenario = argv[1];
  out.impl = argv[2];
  char* end = nullptr;
  out.n = std::strtoull(argv[3], &end, 10);
  if (end == argv[3] || *end != '\0' || out.n == 0) {
    std::fprintf(stderr, "bad n: %s\n", argv[3]);
    return false;
  }
  return true;
}

/// One scenario a measurement program implements: returns the figures for `impl` and `n`, or
/// throws (std::invalid_argument for an impl it does not know).
using ScenarioFn = Figures (*)(std::string_view impl, std::uint64_t n);

struct ScenarioEntry {
  std::string_view name;
  ScenarioFn run;
};

/// Runs the requested scenario from `table` and prints its protocol line; returns the exit status.
[[nodiscard]] inline int run_request(const Request& req, std::span<const ScenarioEntry> table) {
  for (const ScenarioEntry& entry : table) {
    if (entry.name != req.scenario) continue;
    try {
      print_result(req.scenario, req.impl, req.n, entry.run(req.impl, req.n));
      return 0;
    } catch (const std::exception& e) {
      print_error(req.scenario, req.impl, e.what());
      return 1;
    }
  }
  print_error(req.scenario, req.impl, "scenario not implemented by this program");
  return 2;
}

}  // namespace picos_bench
