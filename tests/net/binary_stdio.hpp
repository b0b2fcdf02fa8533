#pragma once
// Helper processes talk to the tests line by line over pipes; on Windows the C runtime would turn
// each "\n" they print into "\r\n" (text mode), so they switch their standard streams to binary.

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>

#include <cstdio>
#endif

namespace net_test {

// [N] Makes stdin and stdout pass bytes unchanged (Windows); nothing elsewhere.
inline void use_binary_stdio() {
#if defined(_WIN32)
  _setmode(_fileno(stdin), _O_BINARY);
  _setmode(_fileno(stdout), _O_BINARY);
#endif
}

}  // namespace net_test
