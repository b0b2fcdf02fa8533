// What the distributed scenarios (remote_stream, remote_deliver, locate) share across the
// programs that run them (picos-bench, raw-tcp-peer, caf-peer): the payload every implementation
// sends, the time limits and the latency summary.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocol.hpp"

namespace picos_bench::remote {

/// Size of one streamed or delivered message.
inline constexpr std::size_t payload_bytes = 16;

/// Writes the i-th payload into `out`: i as 16 decimal digits (modulo 10^16), so a receiver can
/// check the order of what it gets.
inline void write_payload(std::uint64_t i, char (&out)[payload_bytes]) {
  for (std::size_t k = payload_bytes; k-- > 0;) {
    out[k] = static_cast<char>('0' + i % 10);
    i /= 10;
  }
}

/// The i-th payload as a string.
[[nodiscard]] inline std::string payload(std::uint64_t i) {
  char bytes[payload_bytes];
  write_payload(i, bytes);
  return std::string(bytes, payload_bytes);
}

/// True when `data` (of `size` bytes) is the i-th payload.
[[nodiscard]] inline bool is_payload(const char* data, std::size_t size, std::uint64_t i) {
  char expected[payload_bytes];
  write_payload(i, expected);
  return size == payload_bytes && std::memcmp(data, expected, payload_bytes) == 0;
}

/// Round trips made before remote_deliver starts timing.
inline constexpr std::uint64_t warmup_round_trips = 1000;
/// Longest wait for the receiver's report at the end of a stream.
inline constexpr std::chrono::seconds report_timeout{120};
/// Longest wait for one round trip, one locate, or one connection.
inline constexpr std::chrono::seconds step_timeout{10};

/// The value at quantile `q` (0..1) of `values` (sorted here; nearest rank).
[[nodiscard]] inline double quantile(std::vector<double>& values, double q) {
  if (values.empty()) throw std::logic_error("quantile of no values");
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(rank, values.size() - 1)];
}

/// remote_deliver's figures from the round-trip times (ns) and the seconds they took in all.
[[nodiscard]] inline Figures round_trip_figures(std::vector<double> ns, double seconds) {
  const double count = static_cast<double>(ns.size());
  const double p50 = quantile(ns, 0.50);
  const double p99 = quantile(ns, 0.99);
  return {{"msgs_per_s", count / seconds}, {"p50_us", p50 / 1e3}, {"p99_us", p99 / 1e3}};
}

}  // namespace picos_bench::remote
