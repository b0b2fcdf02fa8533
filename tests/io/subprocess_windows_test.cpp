// picos::Subprocess on Windows only (CreateProcess, overlapped named pipes; the cases every OS
// shares are in subprocess_common_test.cpp): a pipeline, argument quoting, environment and
// working directory, the end of a child whose Subprocess is destroyed, and the select backend's
// refusal of pipe I/O.
#include "io_support.hpp"
#include "subprocess_support.hpp"

#include <picos/subprocess.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

using namespace std::chrono_literals;
using picos_test::run_in;

using io_test::child_program;
using io_test::subprocess_pipes_work;

TEST_CASE("a chain of children passes data through every stage and readline reads the result") {
  if (!subprocess_pipes_work()) return;
  run_in([] {
    std::vector<picos::SubprocessOptions> chain(3);
    chain[0].argv = {child_program(), "cat"};
    chain[1].argv = {child_program(), "upper"};
    chain[2].argv = {child_program(), "cat"};
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

TEST_CASE("arguments with blanks, quotes and backslashes reach the child unchanged") {
  if (!subprocess_pipes_work()) return;
  run_in([] {
    const std::vector<std::string> arguments = {"two words", "", R"(a "quoted" word)", R"(C:\dir\)", R"(x\\"y)",
                                                "tab\there"};
    std::vector<std::string> argv = {child_program(), "args"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    auto child = picos::Subprocess::spawn(argv);
    std::string expected;
    for (const std::string& argument : arguments) expected += "<" + argument + ">\n";
    CHECK(child.communicate({}, 30s).first == expected);
  });
}

TEST_CASE("a child gets the given environment and working directory") {
  if (!subprocess_pipes_work()) return;
  run_in([] {
    const std::filesystem::path directory = std::filesystem::canonical(std::filesystem::temp_directory_path());
    picos::SubprocessOptions options;
    options.argv = {child_program(), "env", "PICOS_TEST_VALUE"};
    options.env = std::vector<std::string>{"PICOS_TEST_VALUE=forty-two"};
    options.cwd = directory.string();
    auto child = picos::Subprocess::spawn(options);
    CHECK(child.communicate({}, 30s).first == "forty-two\n" + directory.string() + "\n");
  });
}

TEST_CASE("destroying a subprocess that still runs ends the child") {
  if (!subprocess_pipes_work()) return;
  int pid = 0;
  run_in([&pid] {
    auto child = picos::Subprocess::spawn({child_program(), "sleep", "30000"});
    pid = child.pids().front();
  });
  const HANDLE process = ::OpenProcess(SYNCHRONIZE, FALSE, static_cast<DWORD>(pid));
  if (process != nullptr) {  // the id may already be gone, which is just as good
    CHECK(::WaitForSingleObject(process, 0) == WAIT_OBJECT_0);
    ::CloseHandle(process);
  }
}

TEST_CASE("the select backend refuses pipe I/O with an error that names the iocp backend") {
  if (subprocess_pipes_work()) return;
  run_in([] {
    auto child = picos::Subprocess::spawn({child_program(), "say", "out", "err", "0"});
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
