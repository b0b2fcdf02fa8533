// webserver, picos side: the example HTTP server (examples/io/webserver.cpp) under wrk.
#include <string>

#include "../peers/io_runs.hpp"
#include "../peers/server_process.hpp"
#include "scenarios.hpp"

namespace picos_bench::picos_side {

Figures webserver(std::string_view impl, std::uint64_t n) {
  if (impl != "picos") throw std::invalid_argument("unknown picos impl: " + std::string(impl));
  const std::string path = io::own_folder() + "../examples/io/webserver";
  io::require_program(path, "examples/io/webserver (configure with -Dexamples=true)");
  return io::measure_webserver({{path, "--port", "0"}, {}}, n);
}

}  // namespace picos_bench::picos_side
