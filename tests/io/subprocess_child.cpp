// A small child program for the Windows subprocess tests (Windows has no sh, cat or sleep):
//   subprocess_child cat                 copies stdin to stdout
//   subprocess_child upper               copies stdin to stdout in upper case
//   subprocess_child say OUT ERR CODE    prints OUT to stdout and ERR to stderr, exits with CODE
//   subprocess_child env NAME            prints $NAME and the working directory, a line each
//   subprocess_child args ARG...         prints each argument between < and >, a line each
//   subprocess_child sleep MS            sleeps MS milliseconds
// Its streams are binary, so the tests see exactly the bytes written.
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#define read_some _read
#else
#include <unistd.h>
#define read_some ::read
#endif

namespace {

int copy_stdin(bool upper) {
  // Whatever has arrived is passed on at once (fread would wait for a full buffer): line-by-line
  // partners wait for each line.
  char buffer[4096];
  while (true) {
    const auto got = read_some(0, buffer, sizeof buffer);
    if (got <= 0) return got == 0 ? 0 : 1;
    const auto n = static_cast<std::size_t>(got);
    if (upper) {
      for (std::size_t i = 0; i < n; ++i) buffer[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(buffer[i])));
    }
    if (std::fwrite(buffer, 1, n, stdout) != n) return 1;
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
#if defined(_WIN32)
  _setmode(_fileno(stdin), _O_BINARY);
  _setmode(_fileno(stdout), _O_BINARY);
  _setmode(_fileno(stderr), _O_BINARY);
#endif
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "cat" || mode == "upper") return copy_stdin(mode == "upper");
  if (mode == "say" && argc == 5) {
    std::printf("%s\n", argv[2]);
    std::fprintf(stderr, "%s\n", argv[3]);
    return std::atoi(argv[4]);
  }
  if (mode == "env" && argc == 3) {
    const char* value = std::getenv(argv[2]);
    std::printf("%s\n%s\n", value != nullptr ? value : "(unset)", std::filesystem::current_path().string().c_str());
    return 0;
  }
  if (mode == "args") {
    for (int i = 2; i < argc; ++i) std::printf("<%s>\n", argv[i]);
    return 0;
  }
  if (mode == "sleep" && argc == 3) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(argv[2])));
    return 0;
  }
  std::fprintf(stderr, "subprocess_child: unknown arguments\n");
  return 2;
}
