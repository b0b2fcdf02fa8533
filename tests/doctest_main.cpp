// doctest's main, compiled once and shared by every suite.
//
// Windows: a crash in any thread must fail the run. Under Wine the default handling of an
// unhandled exception starts winedbg, after which the process exits with status 0, so a suite
// that crashed would pass. The suites therefore install their own last-chance filter: it writes
// one line without allocating (the heap may be what is broken) and ends the process with status
// 3. doctest's own Windows SEH handling is off: it reports through its reporters, which allocate,
// and then lets the default handling run.
#define DOCTEST_CONFIG_IMPLEMENT
#if defined(_WIN32)
#define DOCTEST_CONFIG_NO_WINDOWS_SEH
#include <windows.h>
#endif
#include <doctest/doctest.h>

namespace {

#if defined(_WIN32)
LONG WINAPI end_on_crash(EXCEPTION_POINTERS* pointers) {
  char line[] = "\nFATAL: unhandled exception 0x00000000 in a test program: the run fails\n";
  const char* digits = "0123456789abcdef";
  const auto code = static_cast<unsigned long>(pointers->ExceptionRecord->ExceptionCode);
  char* hex = line + sizeof "\nFATAL: unhandled exception 0x" - 1;
  for (int i = 0; i < 8; ++i) hex[i] = digits[(code >> (28 - 4 * i)) & 0xfU];
  DWORD written = 0;
  ::WriteFile(::GetStdHandle(STD_ERROR_HANDLE), line, sizeof line - 1, &written, nullptr);
  ::TerminateProcess(::GetCurrentProcess(), 3);
  return EXCEPTION_EXECUTE_HANDLER;
}
#endif

}  // namespace

int main(int argc, char** argv) {
#if defined(_WIN32)
  ::SetUnhandledExceptionFilter(end_on_crash);
#endif
  return doctest::Context(argc, argv).run();
}
