#include "io_support.hpp"

#include <picos/file.hpp>

#include <doctest/doctest.h>

#if defined(_WIN32)
#include <windows.h>
#else
#include <unistd.h>
#endif

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

using namespace std::chrono_literals;
using picos_test::run_in;

namespace {

std::string temp_path(const char* name) {
#if defined(_WIN32)
  const auto pid = ::GetCurrentProcessId();
#else
  const auto pid = ::getpid();
#endif
  const auto file = "picos-file-test-" + std::to_string(pid) + "-" + name;
  return (std::filesystem::temp_directory_path() / file).string();
}

// The backend for pipes: on Windows only iocp serves them.
picos::SchedulerOptions for_pipes() {
  picos::SchedulerOptions options;
#if defined(_WIN32)
  options.poller = "iocp";
#endif
  return options;
}

// A pipe whose ends AsyncFile adopts (read end, write end).
std::pair<int, int> make_pipe() {
#if defined(_WIN32)
  return io_test::overlapped_pipe();
#else
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  return {fds[0], fds[1]};
#endif
}

}  // namespace

TEST_CASE("a regular file is written, appended to and read back line by line") {
  const std::string path = temp_path("lines");
  run_in([&path] {
    {
      auto file = picos::AsyncFile::open(path, "w");
      CHECK(file.is_regular());
      file.write("first\nsecond\n");
    }
    {
      auto file = picos::AsyncFile::open(path, "a");
      file.write("third");
    }
    auto file = picos::AsyncFile::open(path, "r");
    CHECK(file.readline() == "first\n");
    CHECK(file.read(3) == "sec");
    CHECK(file.readline() == "ond\n");
    CHECK(file.read_all() == "third");
    CHECK(file.read(10).empty());
  });
  std::remove(path.c_str());
}

TEST_CASE("a large regular file round-trips through read_full") {
  const std::string path = temp_path("large");
  std::string data;
  for (int i = 0; i < 200000; ++i) data += static_cast<char>('a' + i % 26);
  run_in([&] {
    picos::AsyncFile::open(path, "w").write(data);
    auto file = picos::AsyncFile::open(path);
    CHECK(file.read_full(data.size() + 10) == data);
  });
  std::remove(path.c_str());
}

TEST_CASE("pipe reads wait for data, time out, and end at end of file") {
  run_in(for_pipes(), [] {
    const auto [read_end, write_end] = make_pipe();
    picos::AsyncFile reader(read_end);
    picos::AsyncFile writer(write_end);
    try {
      (void)reader.read(10, 20ms);
      FAIL("no timeout");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::timed_out);
    }
    auto task = picos::spawn([&writer] {
      picos::this_task::sleep(10ms);
      writer.write("line one\nline two\n");
      writer.close();
    });
    CHECK(reader.readline(10s) == "line one\n");
    CHECK(reader.readline(10s) == "line two\n");
    CHECK(reader.readline(10s).empty());
    task.finish(10s);
  });
}

TEST_CASE("opening a missing file names it in the error") {
  CHECK_THROWS_WITH_AS(picos::AsyncFile::open("/nonexistent/picos-file"), doctest::Contains("picos-file"),
                       std::system_error);
}
