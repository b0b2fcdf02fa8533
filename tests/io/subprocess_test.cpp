// picos::Subprocess, the POSIX-only cases (standard tools through PATH, pidfds and zombies, a
// plain thread); the cases every OS shares are in subprocess_common_test.cpp.
#include "io_support.hpp"

#include <picos/subprocess.hpp>

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <string>
#include <system_error>

using namespace std::chrono_literals;
using picos_test::run_in;

TEST_CASE("a chain of children passes data through every stage and readline reads the result") {
  run_in([] {
    std::vector<picos::SubprocessOptions> chain(3);
    chain[0].argv = {"printf", "banana\napple\ncherry\n"};
    chain[1].argv = {"sort"};
    chain[2].argv = {"grep", "-v", "cherry"};
    auto pipeline = picos::Subprocess::pipeline(std::move(chain));
    CHECK(pipeline.pids().size() == 3);
    CHECK(pipeline.readline(30s) == "apple\n");
    CHECK(pipeline.readline(30s) == "banana\n");
    CHECK(pipeline.readline(30s).empty());
    CHECK(pipeline.wait(30s) == 0);
  });
}

TEST_CASE("a child gets the given environment and working directory") {
  run_in([] {
    picos::SubprocessOptions options;
    options.argv = {"sh", "-c", "echo $PICOS_TEST_VALUE; pwd"};
    options.env = std::vector<std::string>{"PICOS_TEST_VALUE=forty-two", "PATH=/usr/bin:/bin"};
    options.cwd = "/tmp";
    auto child = picos::Subprocess::spawn(options);
    CHECK(child.communicate({}, 30s).first == "forty-two\n/tmp\n");
  });
}

TEST_CASE("destroying a subprocess that still runs leaves no zombie behind") {
  int pid = 0;
  run_in([&pid] {
    auto child = picos::Subprocess::spawn({"sleep", "30"});
    pid = child.pids().front();
  });
  errno = 0;
  CHECK(::waitpid(pid, nullptr, WNOHANG) == -1);
  CHECK(errno == ECHILD);
}

TEST_CASE("a plain thread can run communicate too") {
  auto child = picos::Subprocess::spawn({"sh", "-c", "cat; echo done >&2"});
  auto [out, err] = child.communicate("abc", 30s);
  CHECK(out == "abc");
  CHECK(err == "done\n");
  CHECK(child.wait(30s) == 0);
}
