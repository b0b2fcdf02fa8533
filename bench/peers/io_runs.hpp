// The three I/O measurements of picos-bench (echo, tls_echo, webserver), shared by picos-bench
// (picos servers) and load-driver (peer servers): each starts a server command pinned to one CPU,
// pins the load generator to the other, runs the load and returns the figures.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../common/protocol.hpp"

namespace picos_bench::io {

/// How to start a server: argv (argv[0] is the program's path) and environment additions
/// ("NAME=value").
struct ServerCommand {
  std::vector<std::string> argv;
  std::vector<std::string> env;
};

/// A self-signed certificate and key (EC P-256, CN=localhost) made with the openssl CLI in a
/// fresh temporary folder, removed with the object. Throws std::runtime_error when openssl fails.
class ThrowawayCertificate {
 public:
  ThrowawayCertificate();
  ~ThrowawayCertificate();
  ThrowawayCertificate(const ThrowawayCertificate&) = delete;
  ThrowawayCertificate& operator=(const ThrowawayCertificate&) = delete;
  [[nodiscard]] const std::string& certificate_file() const noexcept { return certificate_; }
  [[nodiscard]] const std::string& key_file() const noexcept { return key_; }

 private:
  std::string folder_, certificate_, key_;
};

/// echo: `connections` connections of 64-byte ping-pong (see echo_load.hpp).
[[nodiscard]] Figures measure_echo(const ServerCommand& server, std::uint64_t connections);

/// tls_echo: `connections` TLS 1.3 connections of 4 KiB ping-pong. The server command gets the
/// certificate and key paths appended to its argv.
[[nodiscard]] Figures measure_tls_echo(ServerCommand server, std::uint64_t connections);

/// webserver: wrk with `connections` connections for 10 s (1 s in quick mode).
[[nodiscard]] Figures measure_webserver(const ServerCommand& server, std::uint64_t connections);

/// Throws std::runtime_error naming `what` when `path` is not an executable file.
void require_program(const std::string& path, const std::string& what);

}  // namespace picos_bench::io
