#include "wrk_load.hpp"

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

namespace picos_bench::io {
namespace {

// Runs `command` through the shell and returns its stdout; throws when it fails.
std::string capture(const std::string& command) {
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run: " + command);
  std::string out;
  char buf[4096];
  while (const std::size_t got = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, got);
  const int status = ::pclose(pipe);
  if (status != 0) throw std::runtime_error("'" + command + "' failed (status " + std::to_string(status) + "): " + out);
  return out;
}

// The number after `label` in wrk's report, if present.
std::optional<double> number_after(const std::string& text, const std::string& label) {
  const auto at = text.find(label);
  if (at == std::string::npos) return std::nullopt;
  return std::strtod(text.c_str() + at + label.size(), nullptr);
}

}  // namespace

std::string find_wrk() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(start, end - start) + "/wrk";
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

Figures drive_wrk(const ServerProcess& server, std::uint64_t connections, std::chrono::seconds duration, int cpu) {
  const std::string wrk = find_wrk();
  if (wrk.empty()) throw std::runtime_error("wrk is not installed (Debian package wrk): webserver cannot be measured");
  // wrk inherits this thread's CPU mask: pin, run, and leave the mask as the caller set it.
  cpu_set_t own;
  CPU_ZERO(&own);
  ::sched_getaffinity(0, sizeof own, &own);
  pin_self(cpu);
  const double before = server.cpu_seconds();
  std::string report;
  try {
    report = capture(wrk + " -t1 -c" + std::to_string(connections) + " -d" + std::to_string(duration.count()) +
                     "s http://127.0.0.1:" + std::to_string(server.port()) + "/ 2>&1");
  } catch (...) {
    ::sched_setaffinity(0, sizeof own, &own);
    throw;
  }
  const double server_cpu = server.cpu_seconds() - before;
  ::sched_setaffinity(0, sizeof own, &own);
  const auto rate = number_after(report, "Requests/sec:");
  if (!rate || *rate <= 0) throw std::runtime_error("wrk reported no request rate: " + report);
  if (report.find("Socket errors") != std::string::npos || report.find("Non-2xx") != std::string::npos) {
    throw std::runtime_error("wrk saw errors: " + report);
  }
  const double requests = *rate * static_cast<double>(duration.count());
  return {{"conns", static_cast<double>(connections)},
          {"requests_per_s", *rate},
          {"server_us_per_request", server_cpu * 1e6 / requests}};
}

}  // namespace picos_bench::io
