// picos::Subprocess on Windows (CreateProcess, overlapped named pipes), driving the small
// subprocess_child program built beside this test (CreateProcess looks in the test's directory
// first). Under the IOCP backend the pipes work in tasks; the select backend refuses pipe I/O with
// a clear error, which the last test checks.
#include "io_support.hpp"

#include <picos/subprocess.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

using namespace std::chrono_literals;
using picos_test::run_in;

namespace {

const std::string child_program = "subprocess_child";

bool pipes_supported() { return io_test::backend() != "select"; }

}  // namespace

TEST_CASE("communicate returns a child's stdout, stderr and exit status") {
  if (!pipes_supported()) return;
  run_in([] {
    auto child = picos::Subprocess::spawn({child_program, "say", "out", "err", "3"});
    auto [out, err] = child.communicate({}, 30s);
    CHECK(out == "out\n");
    CHECK(err == "err\n");
    CHECK(child.poll() == 3);
  });
}

TEST_CASE("communicate feeds a large input while draining a large output without deadlock") {
  if (!pipes_supported()) return;
  run_in([] {
    std::string input;
    for (int i = 0; i < 50000; ++i) input += "line " + std::to_string(i) + "\n";
    auto child = picos::Subprocess::spawn({child_program, "cat"});
    auto [out, err] = child.communicate(input, 60s);
    CHECK(out.size() == input.size());
    CHECK(out == input);
    CHECK(err.empty());
    CHECK(child.wait(30s) == 0);
  });
}

TEST_CASE("a chain of children passes data through every stage and readline reads the result") {
  if (!pipes_supported()) return;
  run_in([] {
    std::vector<picos::SubprocessOptions> chain(3);
    chain[0].argv = {child_program, "cat"};
    chain[1].argv = {child_program, "upper"};
    chain[2].argv = {child_program, "cat"};
    auto pipeline = picos::Subprocess::pipeline(std::move(chain));
    CHECK(pipeline.pids().size() == 3);
    pipeline.write("apple\nbanana\n", 30s);
    pipeline.close_stdin();
    CHECK(pipeline.readline(30s) == "APPLE\n");
    CHECK(pipeline.readline(30s) == "BANANA\n");
    CHECK(pipeline.readline(30s).empty());
    CHECK(pipeline.wait(30s) == 0);
  });
}

TEST_CASE("write and read talk to a running child line by line") {
  if (!pipes_supported()) return;
  run_in([] {
    auto child = picos::Subprocess::spawn({child_program, "cat"});
    for (int i = 0; i < 5; ++i) {
      child.write("ping " + std::to_string(i) + "\n", 10s);
      CHECK(child.readline(10s) == "ping " + std::to_string(i) + "\n");
    }
    child.close_stdin();
    CHECK(child.read(100, 10s).empty());
    CHECK(child.wait(10s) == 0);
  });
}

TEST_CASE("arguments with blanks, quotes and backslashes reach the child unchanged") {
  if (!pipes_supported()) return;
  run_in([] {
    const std::vector<std::string> arguments = {"two words", "", R"(a "quoted" word)", R"(C:\dir\)", R"(x\\"y)",
                                                "tab\there"};
    std::vector<std::string> argv = {child_program, "args"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    auto child = picos::Subprocess::spawn(argv);
    std::string expected;
    for (const std::string& argument : arguments) expected += "<" + argument + ">\n";
    CHECK(child.communicate({}, 30s).first == expected);
  });
}

TEST_CASE("a child gets the given environment and working directory") {
  if (!pipes_supported()) return;
  run_in([] {
    const std::filesystem::path directory = std::filesystem::canonical(std::filesystem::temp_directory_path());
    picos::SubprocessOptions options;
    options.argv = {child_program, "env", "PICOS_TEST_VALUE"};
    options.env = std::vector<std::string>{"PICOS_TEST_VALUE=forty-two"};
    options.cwd = directory.string();
    auto child = picos::Subprocess::spawn(options);
    CHECK(child.communicate({}, 30s).first == "forty-two\n" + directory.string() + "\n");
  });
}

TEST_CASE("kill ends a child and wait reports the signal; wait times out on a running child") {
  if (!pipes_supported()) return;
  run_in([] {
    auto child = picos::Subprocess::spawn({child_program, "sleep", "30000"});
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

TEST_CASE("destroying a subprocess that still runs ends the child") {
  if (!pipes_supported()) return;
  int pid = 0;
  run_in([&pid] {
    auto child = picos::Subprocess::spawn({child_program, "sleep", "30000"});
    pid = child.pids().front();
  });
  const HANDLE process = ::OpenProcess(SYNCHRONIZE, FALSE, static_cast<DWORD>(pid));
  if (process != nullptr) {  // the id may already be gone, which is just as good
    CHECK(::WaitForSingleObject(process, 0) == WAIT_OBJECT_0);
    ::CloseHandle(process);
  }
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

TEST_CASE("the select backend refuses pipe I/O with an error that names the iocp backend") {
  if (pipes_supported()) return;
  run_in([] {
    auto child = picos::Subprocess::spawn({child_program, "say", "out", "err", "0"});
    try {
      (void)child.read(100, 10s);
      FAIL("no error");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::operation_not_supported);
      CHECK(std::string(error.what()).find("PICOS_POLLER=iocp") != std::string::npos);
    }
    CHECK(child.wait(30s) == 0);
  });
}
