// echo and tls_echo, picos side: picos-echo-server (echo_server.cpp, an ordinary picos program)
// under the harness's load generator (bench/peers/io_runs.hpp). The impl names the poller
// backend: picos-epoll, picos-poll, picos-select, picos-io_uring; "picos" is the default backend.
#include <stdexcept>
#include <string>

#include "../peers/io_runs.hpp"
#include "../peers/server_process.hpp"
#include "scenarios.hpp"

namespace picos_bench::picos_side {
namespace {

io::ServerCommand picos_echo_server(std::string_view impl) {
  const std::string path = io::own_folder() + "picos-echo-server";
  io::require_program(path, "picos-echo-server");
  io::ServerCommand command{{path}, {}};
  if (impl == "picos") return command;  // PICOS_POLLER as inherited, else the default backend
  const std::string_view prefix = "picos-";
  if (impl.substr(0, prefix.size()) != prefix) throw std::invalid_argument("unknown picos impl: " + std::string(impl));
  command.env.push_back("PICOS_POLLER=" + std::string(impl.substr(prefix.size())));
  return command;
}

}  // namespace

Figures echo(std::string_view impl, std::uint64_t n) { return io::measure_echo(picos_echo_server(impl), n); }

Figures tls_echo(std::string_view impl, std::uint64_t n) {
  return io::measure_tls_echo(picos_echo_server(impl), n);
}

}  // namespace picos_bench::picos_side
