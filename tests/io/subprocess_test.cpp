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

TEST_CASE("communicate returns a child's stdout, stderr and exit status") {
  run_in([] {
    auto child = picos::Subprocess::spawn({"sh", "-c", "echo out; echo err >&2; exit 3"});
    auto [out, err] = child.communicate({}, 30s);
    CHECK(out == "out\n");
    CHECK(err == "err\n");
    CHECK(child.poll() == 3);
  });
}

TEST_CASE("communicate feeds a large input while draining a large output without deadlock") {
  run_in([] {
    std::string input;
    for (int i = 0; i < 50000; ++i) input += "line " + std::to_string(i) + "\n";
    auto child = picos::Subprocess::spawn({"cat"});
    auto [out, err] = child.communicate(input, 60s);
    CHECK(out == input);
    CHECK(err.empty());
    CHECK(child.wait() == 0);
  });
}

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

TEST_CASE("write and read talk to a running child line by line") {
  run_in([] {
    auto child = picos::Subprocess::spawn({"cat"});
    for (int i = 0; i < 5; ++i) {
      child.write("ping " + std::to_string(i) + "\n", 10s);
      CHECK(child.readline(10s) == "ping " + std::to_string(i) + "\n");
    }
    child.close_stdin();
    CHECK(child.read(100, 10s).empty());
    CHECK(child.wait(10s) == 0);
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

TEST_CASE("kill ends a child and wait reports the signal; wait times out on a running child") {
  run_in([] {
    auto child = picos::Subprocess::spawn({"sleep", "30"});
    CHECK_FALSE(child.poll().has_value());
    try {
      (void)child.wait(50ms);
      FAIL("no timeout");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::timed_out);
    }
    child.kill(SIGTERM);
    CHECK(child.wait(30s) == -SIGTERM);
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

TEST_CASE("a program that does not exist is reported with its name") {
  run_in([] {
    try {
      (void)picos::Subprocess::spawn({"/nonexistent/picos-program"});
      FAIL("no error");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::no_such_file_or_directory);
      CHECK(std::string(error.what()).find("picos-program") != std::string::npos);
    }
  });
}

TEST_CASE("a plain thread can run communicate too") {
  auto child = picos::Subprocess::spawn({"sh", "-c", "cat; echo done >&2"});
  auto [out, err] = child.communicate("abc", 30s);
  CHECK(out == "abc");
  CHECK(err == "done\n");
  CHECK(child.wait(30s) == 0);
}
