// picos::Subprocess on every OS, driving the small subprocess_child program (tests/io): its
// output and exit status, large input and output at once, line-by-line talk, kill and timeouts,
// and a program that does not exist. POSIX-only cases are in subprocess_test.cpp, Windows-only
// ones in subprocess_windows_test.cpp.
#include "io_support.hpp"
#include "subprocess_support.hpp"

#include <picos/subprocess.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <system_error>

using namespace std::chrono_literals;
using io_test::child_program;
using io_test::subprocess_pipes_work;
using picos_test::run_in;

TEST_CASE("communicate returns a child's stdout, stderr and exit status") {
  if (!subprocess_pipes_work()) return;
  run_in([] {
    auto child = picos::Subprocess::spawn({child_program(), "say", "out", "err", "3"});
    auto [out, err] = child.communicate({}, 30s);
    CHECK(out == "out\n");
    CHECK(err == "err\n");
    CHECK(child.poll() == 3);
  });
}

TEST_CASE("communicate feeds a large input while draining a large output without deadlock") {
  if (!subprocess_pipes_work()) return;
  run_in([] {
    std::string input;
    for (int i = 0; i < 50000; ++i) input += "line " + std::to_string(i) + "\n";
    auto child = picos::Subprocess::spawn({child_program(), "cat"});
    auto [out, err] = child.communicate(input, 60s);
    CHECK(out.size() == input.size());
    CHECK(out == input);
    CHECK(err.empty());
    CHECK(child.wait(30s) == 0);
  });
}

TEST_CASE("write and read talk to a running child line by line") {
  if (!subprocess_pipes_work()) return;
  run_in([] {
    auto child = picos::Subprocess::spawn({child_program(), "cat"});
    for (int i = 0; i < 5; ++i) {
      child.write("ping " + std::to_string(i) + "\n", 10s);
      CHECK(child.readline(10s) == "ping " + std::to_string(i) + "\n");
    }
    child.close_stdin();
    CHECK(child.read(100, 10s).empty());
    CHECK(child.wait(10s) == 0);
  });
}

TEST_CASE("kill ends a child and wait reports the signal; wait times out on a running child") {
  run_in([] {
    auto child = picos::Subprocess::spawn({child_program(), "sleep", "30000"});
    CHECK_FALSE(child.poll().has_value());
    try {
      (void)child.wait(50ms);
      FAIL("no timeout");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::timed_out);
    }
    child.kill(15);
    CHECK(child.wait(30s) == -15);
  });
}

TEST_CASE("a program that does not exist is reported with its name") {
  run_in([] {
    try {
      (void)picos::Subprocess::spawn({"picos-no-such-program"});
      FAIL("no error");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::no_such_file_or_directory);
      CHECK(std::string(error.what()).find("picos-no-such-program") != std::string::npos);
    }
  });
}
