// What picos-bench can run: the scenarios, the implementations (picos modes and peers) and the
// programs that measure them. Adding a scenario = one entry in registry.cpp plus its code in
// bench/scenarios/ (picos side) and in the peer programs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runner.hpp"

namespace picos_bench {

/// One implementation of the scenarios, run by one program.
struct Impl {
  std::string_view name;       ///< row label: picos-default, go, boost-fiber...
  std::string_view program;    ///< program id (see program_path); "self" = picos-bench --single
  std::vector<EnvChange> env;  ///< environment for its processes (e.g. GOMAXPROCS)
  std::string_view about;      ///< one line for --list
};

struct Scenario {
  std::string_view name;
  std::string_view n_means;                ///< what n counts, for --list
  std::string_view figures;                ///< the figures it reports, for --list
  std::uint64_t default_n;
  std::uint64_t quick_n;                   ///< n under --quick
  bool in_default_set;                     ///< run when no scenario is named
  std::vector<std::string_view> picos_impls;
  std::vector<std::string_view> peer_impls;
};

[[nodiscard]] const std::vector<Scenario>& scenarios();
[[nodiscard]] const std::vector<Impl>& impls();

/// The scenario or impl with that name, or nullptr.
[[nodiscard]] const Scenario* find_scenario(std::string_view name);
[[nodiscard]] const Impl* find_impl(std::string_view name);

/// Absolute path of the program that runs `impl`, or empty when that program was not built.
[[nodiscard]] std::string program_path(const Impl& impl);

/// Why a program is missing (for the "skipped" note).
[[nodiscard]] std::string_view missing_reason(const Impl& impl);

}  // namespace picos_bench
