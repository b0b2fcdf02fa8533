// Windows: a test program that crashes must fail the run. Wine's default handling of an unhandled
// exception ends the process with status 0; tests/doctest_main.cpp's last-chance filter makes it
// 3. This runs the suite's own program on a case that crashes a thread and checks the status.
#include <doctest/doctest.h>

#include <windows.h>

#include <string>
#include <thread>

namespace {

constexpr const char* crashing_case = "a thread of this test program raises an access violation";

DWORD exit_status_of_crashing_case() {
  wchar_t self[MAX_PATH] = {};
  REQUIRE(::GetModuleFileNameW(nullptr, self, MAX_PATH) > 0);
  std::wstring command = L"\"" + std::wstring(self) + L"\" --no-skip --test-case=\"" +
                         std::wstring(crashing_case, crashing_case + std::char_traits<char>::length(crashing_case)) +
                         L"\"";
  // The child's output (doctest's and the filter's line) goes to NUL, not into this run's log.
  SECURITY_ATTRIBUTES inheritable{sizeof inheritable, nullptr, TRUE};
  const HANDLE nul = ::CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                                   &inheritable, OPEN_EXISTING, 0, nullptr);
  REQUIRE(nul != INVALID_HANDLE_VALUE);
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = startup.hStdOutput = startup.hStdError = nul;
  PROCESS_INFORMATION process{};
  const BOOL started =
      ::CreateProcessW(nullptr, command.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr, &startup, &process);
  ::CloseHandle(nul);
  REQUIRE(started);
  const DWORD waited = ::WaitForSingleObject(process.hProcess, 60'000);
  DWORD status = 0;
  ::GetExitCodeProcess(process.hProcess, &status);
  if (waited != WAIT_OBJECT_0) ::TerminateProcess(process.hProcess, 1);
  ::CloseHandle(process.hThread);
  ::CloseHandle(process.hProcess);
  REQUIRE(waited == WAIT_OBJECT_0);
  return status;
}

}  // namespace

TEST_CASE("a test program whose thread crashes ends with status 3, not the 0 Wine would give") {
  CHECK(exit_status_of_crashing_case() == 3);
}

// Run only by the case above (skipped unless asked for with --no-skip).
TEST_CASE("a thread of this test program raises an access violation" * doctest::skip()) {
  std::thread([] { ::RaiseException(EXCEPTION_ACCESS_VIOLATION, EXCEPTION_NONCONTINUABLE, 0, nullptr); }).join();
  FAIL("the access violation did not end the program");
}
