// How every program of the harness measures: wall time on a monotonic clock and resident memory.
//
// Memory rule (identical in the Go peer, bench/peers/go/main.go): resident memory is VmRSS from
// /proc/self/status. The baseline is read right before the first task is spawned, once the
// runtime or scheduler exists; the second reading is taken when every task is parked, while the
// handles needed to resume them are still held. No program forces a garbage collection or trims
// its heap before either reading: C++ has no such step, so Go gets none either.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

namespace picos_bench {

/// Resident set size of this process in KiB (VmRSS). Throws std::runtime_error when it cannot
/// be read (no /proc), so that no figure is ever computed from a missing reading.
[[nodiscard]] inline long rss_kib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) throw std::runtime_error("cannot read /proc/self/status");
  long kib = -1;
  char line[256];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
  }
  std::fclose(f);
  if (kib < 0) throw std::runtime_error("no VmRSS in /proc/self/status");
  return kib;
}

/// Monotonic stopwatch; starts when constructed.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  void restart() { start_ = std::chrono::steady_clock::now(); }
  [[nodiscard]] double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

/// RSS growth per task in KiB between two rss_kib() readings.
[[nodiscard]] inline double kib_per_task(long before, long after, std::uint64_t n) {
  return n == 0 ? 0.0 : static_cast<double>(after - before) / static_cast<double>(n);
}

}  // namespace picos_bench
