// pipe_csum: reads a file with picos::AsyncFile (io_uring or the thread pool, never blocking the
// scheduler), feeds it to `sha256sum` with Subprocess::communicate() (which writes stdin while
// reading stdout and stderr concurrently, so large inputs cannot deadlock) and prints the digest.
//
//   pipe_csum [FILE]     (default: this program's own binary)
#include <picos/file.hpp>
#include <picos/picos.hpp>
#include <picos/subprocess.hpp>

#include <cstdio>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "/proc/self/exe";
  picos::Scheduler scheduler;
  int status = 0;
  scheduler.spawn([&] {
    try {
      const std::string data = picos::AsyncFile::open(path).read_all();
      auto child = picos::Subprocess::spawn({"sha256sum"});
      auto [out, err] = child.communicate(data);
      status = child.wait();
      std::printf("%zu bytes, sha256 %s", data.size(), out.substr(0, out.find(' ')).c_str());
      std::printf("\n");
      if (!err.empty()) std::cerr << err;
    } catch (const std::exception& error) {
      std::cerr << "pipe_csum: " << error.what() << "\n";
      status = 1;
    }
  });
  scheduler.run();
  return status;
}
