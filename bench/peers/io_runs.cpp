#include "io_runs.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "echo_load.hpp"
#include "server_process.hpp"
#include "wrk_load.hpp"

namespace picos_bench::io {
namespace {

using std::chrono::milliseconds;

// Warm-up and measured interval: long enough for stable medians, short under --quick.
EchoLoad timed_load(std::uint64_t connections) {
  EchoLoad load;
  load.connections = connections;
  if (quick_mode()) {
    load.warmup = milliseconds(100);
    load.measured = milliseconds(300);
  }
  return load;
}

Figures run_echo(const ServerCommand& command, const EchoLoad& load) {
  const CpuPair cpus = pick_cpus();
  raise_fd_limit(load.connections + 64);  // the server inherits the raised limit
  const ServerProcess server(command.argv, command.env, cpus.server);
  pin_self(cpus.load);
  return drive_echo(server, load);
}

}  // namespace

ThrowawayCertificate::ThrowawayCertificate() {
  std::string pattern = (std::filesystem::temp_directory_path() / "picos-bench-tls-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
  folder_ = pattern;
  certificate_ = folder_ + "/cert.pem";
  key_ = folder_ + "/key.pem";
  const std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
                              " -subj /CN=localhost -keyout '" + key_ + "' -out '" + certificate_ + "' 2>/dev/null";
  if (std::system(command.c_str()) != 0) {
    std::filesystem::remove_all(folder_);
    throw std::runtime_error("cannot make a throwaway certificate with the openssl command");
  }
}

ThrowawayCertificate::~ThrowawayCertificate() {
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

Figures measure_echo(const ServerCommand& server, std::uint64_t connections) {
  return run_echo(server, timed_load(connections));
}

Figures measure_tls_echo(ServerCommand server, std::uint64_t connections) {
  const ThrowawayCertificate certificate;
  server.argv.push_back(certificate.certificate_file());
  server.argv.push_back(certificate.key_file());
  EchoLoad load = timed_load(connections);
  load.tls = true;
  load.message_bytes = 4096;
  return run_echo(server, load);
}

Figures measure_webserver(const ServerCommand& command, std::uint64_t connections) {
  if (find_wrk().empty()) throw std::runtime_error("wrk is not installed (Debian package wrk); webserver skipped");
  const CpuPair cpus = pick_cpus();
  raise_fd_limit(connections + 64);
  const ServerProcess server(command.argv, command.env, cpus.server);
  return drive_wrk(server, connections, std::chrono::seconds(quick_mode() ? 1 : 10), cpus.load);
}

void require_program(const std::string& path, const std::string& what) {
  if (::access(path.c_str(), X_OK) != 0) throw std::runtime_error(what + " was not built (" + path + ")");
}

}  // namespace picos_bench::io
