// load-driver: the measurement program of the peer servers in the I/O scenarios (echo, tls_echo,
// webserver). It speaks the harness protocol (bench/common/protocol.hpp): for `<scenario> <impl>
// <n>` it starts the impl's server from this folder, drives it (see io_runs.hpp) and prints one
// line. The Go peer hands its I/O scenarios over to this program (impl "go").
//
//   load-driver echo epoll-raw|asio|go <connections>
//   load-driver tls_echo openssl <connections>
//   load-driver webserver go <connections>
#include <array>
#include <stdexcept>
#include <string>

#include "../common/protocol.hpp"
#include "io_runs.hpp"
#include "server_process.hpp"

namespace {

using picos_bench::Figures;
using picos_bench::io::ServerCommand;

// The server program of `impl` in this folder, checked to exist.
ServerCommand peer_server(std::string_view impl, std::string_view program, std::vector<std::string> args = {}) {
  const std::string path = picos_bench::io::own_folder() + std::string(program);
  picos_bench::io::require_program(path, "the " + std::string(impl) + " server");
  ServerCommand command{{path}, {}};
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  return command;
}

[[noreturn]] void unknown(std::string_view impl) {
  throw std::invalid_argument("load-driver has no server for impl " + std::string(impl));
}

Figures echo(std::string_view impl, std::uint64_t n) {
  if (impl == "epoll-raw") return picos_bench::io::measure_echo(peer_server(impl, "epoll-echo-server"), n);
  if (impl == "asio") return picos_bench::io::measure_echo(peer_server(impl, "asio-echo-server"), n);
  if (impl == "go") return picos_bench::io::measure_echo(peer_server(impl, "go-io-server", {"echo"}), n);
  unknown(impl);
}

Figures tls_echo(std::string_view impl, std::uint64_t n) {
  if (impl == "openssl") return picos_bench::io::measure_tls_echo(peer_server(impl, "openssl-echo-server"), n);
  unknown(impl);
}

Figures webserver(std::string_view impl, std::uint64_t n) {
  if (impl == "go") return picos_bench::io::measure_webserver(peer_server(impl, "go-io-server", {"http"}), n);
  unknown(impl);
}

constexpr std::array<picos_bench::ScenarioEntry, 3> scenarios{{
    {"echo", echo},
    {"tls_echo", tls_echo},
    {"webserver", webserver},
}};

}  // namespace

int main(int argc, char** argv) {
  picos_bench::Request request;
  if (!picos_bench::parse_request(argc, argv, request)) return 2;
  return picos_bench::run_request(request, scenarios);
}
