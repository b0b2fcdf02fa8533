// pipe_grep: runs a chain of child processes, `ls -l DIR | grep PATTERN`, and reads the result
// line by line with readline() while other tasks could keep running (pycos pipe_grep). The chain
// is a picos::Subprocess pipeline: stdout of each child feeds the next one's stdin.
//
//   pipe_grep [DIR [PATTERN]]     (defaults: /usr/include, "std")
#include <picos/picos.hpp>
#include <picos/subprocess.hpp>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "/usr/include";
  const std::string pattern = argc > 2 ? argv[2] : "std";
  picos::Scheduler scheduler;
  int status = 0;
  scheduler.spawn([&] {
    std::vector<picos::SubprocessOptions> chain(2);
    chain[0].argv = {"ls", "-l", dir};
    chain[1].argv = {"grep", pattern};
    auto pipeline = picos::Subprocess::pipeline(std::move(chain));
    int count = 0;
    while (true) {
      const std::string line = pipeline.readline();
      if (line.empty()) break;
      std::printf("%3d: %s", ++count, line.c_str());
    }
    status = pipeline.wait();
    std::printf("%d matching lines; grep exited with %d\n", count, status);
  });
  scheduler.run();
  return status == 0 || status == 1 ? 0 : 1;
}
