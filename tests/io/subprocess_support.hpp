#pragma once
// For the subprocess tests: where the subprocess_child program is, and whether pipes work under
// the backend being tested.

#include "io_support.hpp"

#include <cstdlib>
#include <string>

namespace io_test {

// The child program of the subprocess tests: PICOS_SUBPROCESS_CHILD (its full path, set by
// meson on POSIX, where the search goes through PATH only), else its bare name, which Windows'
// CreateProcess finds in the test's own directory.
inline std::string child_program() {
  const char* path = std::getenv("PICOS_SUBPROCESS_CHILD");
  return path != nullptr ? path : "subprocess_child";
}

// Pipes work in tasks under every backend but Windows' select, which handles sockets only.
inline bool subprocess_pipes_work() {
#if defined(_WIN32)
  return backend() != "select";
#else
  return true;
#endif
}

}  // namespace io_test
