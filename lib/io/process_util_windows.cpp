// process_util.hpp on Windows: children started with CreateProcessW; the end of each standard
// stream this process keeps is a named pipe opened for overlapped I/O, because anonymous pipes
// (CreatePipe) cannot be: the IOCP backend then reads and writes it asynchronously like a socket.
#include "core/scheduler_core.hpp"
#include "io/process_util.hpp"
#include "io/windows_text.hpp"
#include "poller/io_errors.hpp"
#include "poller/windows_errors.hpp"
#include "poller/winsock.hpp"

#include <picos/this_task.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace picos::detail {
namespace {

constexpr DWORD pipe_buffer_bytes = 65536;
constexpr int kill_signal = 9;  // SIGKILL's number, which <csignal> does not define on Windows

// A child terminated by kill(signal) exits with this code, and is then reported as -signal.
DWORD exit_code_for(int signal) noexcept { return 128 + static_cast<DWORD>(signal); }

HANDLE handle_of(int end) noexcept { return as_handle(end); }

// A name no other pipe of this machine has: FILE_FLAG_FIRST_PIPE_INSTANCE refuses to open an
// existing one, so a clash is retried with the next number instead of joining someone's pipe.
std::wstring next_pipe_name() {
  static std::atomic<unsigned long long> counter{0};
  return L"\\\\.\\pipe\\picos-" + std::to_wstring(::GetCurrentProcessId()) + L"-" +
         std::to_wstring(counter.fetch_add(1, std::memory_order_relaxed)) + L"-" + std::to_wstring(::GetTickCount64());
}

void open_overlapped_pipe(Pipe& pipe, bool keep_reader) {
  for (int attempt = 0;; ++attempt) {
    const std::wstring name = next_pipe_name();
    const DWORD direction = keep_reader ? PIPE_ACCESS_INBOUND : PIPE_ACCESS_OUTBOUND;
    const HANDLE kept = ::CreateNamedPipeW(name.c_str(), direction | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
                                           PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
                                           1, pipe_buffer_bytes, pipe_buffer_bytes, 0, nullptr);
    if (kept == INVALID_HANDLE_VALUE) {
      const DWORD error = ::GetLastError();
      if ((error == ERROR_ACCESS_DENIED || error == ERROR_PIPE_BUSY) && attempt < 16) continue;
      throw_windows(error, "pipe: CreateNamedPipe");
    }
    // The child's end is an ordinary (synchronous) handle, as programs expect of their stdio.
    const DWORD access = keep_reader ? GENERIC_WRITE | FILE_READ_ATTRIBUTES : GENERIC_READ | FILE_WRITE_ATTRIBUTES;
    const HANDLE given = ::CreateFileW(name.c_str(), access, 0, nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (given == INVALID_HANDLE_VALUE) {
      const DWORD error = ::GetLastError();
      ::CloseHandle(kept);
      throw_windows(error, "pipe: open the child's end");
    }
    pipe.read = as_fd(keep_reader ? kept : given);
    pipe.write = as_fd(keep_reader ? given : kept);
    return;
  }
}

// One argument as the C runtime's command-line parser (CommandLineToArgvW rules) reads it back:
// quoted when it is empty or holds a blank or a quote; backslashes doubled only before a quote.
void append_quoted(std::wstring& line, const std::wstring& argument) {
  if (!line.empty()) line += L' ';
  if (!argument.empty() && argument.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
    line += argument;
    return;
  }
  line += L'"';
  std::size_t backslashes = 0;
  for (const wchar_t c : argument) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    if (c == L'"') line.append(backslashes * 2 + 1, L'\\');
    else line.append(backslashes, L'\\');
    backslashes = 0;
    line += c;
  }
  line.append(backslashes * 2, L'\\');
  line += L'"';
}

std::wstring environment_block(const std::vector<std::string>& entries) {
  std::wstring block;
  for (const std::string& entry : entries) {
    if (entry.find('=') == std::string::npos || entry.find('\0') != std::string::npos) {
      throw std::invalid_argument("picos: Subprocess: environment entry '" + entry + "' is not NAME=value");
    }
    block += utf16_from_utf8(entry, "Subprocess environment");
    block += L'\0';
  }
  block += L'\0';
  return block;
}

// Inheritable duplicates of the three handles the child gets, closed once it has started: the
// originals stay non-inheritable, so children started meanwhile by other threads never get them.
class InheritedHandles {
 public:
  InheritedHandles(int in, int out, int err) {
    const HANDLE wanted[3] = {in >= 0 ? handle_of(in) : ::GetStdHandle(STD_INPUT_HANDLE),
                              out >= 0 ? handle_of(out) : ::GetStdHandle(STD_OUTPUT_HANDLE),
                              err >= 0 ? handle_of(err) : ::GetStdHandle(STD_ERROR_HANDLE)};
    for (int i = 0; i < 3; ++i) {
      if (wanted[i] == nullptr || wanted[i] == INVALID_HANDLE_VALUE) continue;  // this process has none
      HANDLE copy = nullptr;
      if (!::DuplicateHandle(::GetCurrentProcess(), wanted[i], ::GetCurrentProcess(), &copy, 0, TRUE,
                             DUPLICATE_SAME_ACCESS)) {
        throw_windows(::GetLastError(), "spawn: DuplicateHandle");
      }
      standard[i] = copy;
      list.push_back(copy);
    }
  }
  ~InheritedHandles() {
    for (HANDLE handle : list) ::CloseHandle(handle);
  }
  InheritedHandles(const InheritedHandles&) = delete;
  InheritedHandles& operator=(const InheritedHandles&) = delete;

  HANDLE standard[3] = {nullptr, nullptr, nullptr};
  std::vector<HANDLE> list;
};

// PROC_THREAD_ATTRIBUTE_HANDLE_LIST: the child inherits these handles and no other.
class HandleListAttribute {
 public:
  explicit HandleListAttribute(std::vector<HANDLE>& handles) {
    SIZE_T size = 0;
    ::InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
    storage_ = std::make_unique<char[]>(size);
    list_ = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(storage_.get());
    if (!::InitializeProcThreadAttributeList(list_, 1, 0, &size)) {
      throw_windows(::GetLastError(), "spawn: InitializeProcThreadAttributeList");
    }
    if (!handles.empty() && !::UpdateProcThreadAttribute(list_, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, handles.data(),
                                                         handles.size() * sizeof(HANDLE), nullptr, nullptr)) {
      const DWORD error = ::GetLastError();
      ::DeleteProcThreadAttributeList(list_);
      throw_windows(error, "spawn: UpdateProcThreadAttribute");
    }
  }
  ~HandleListAttribute() { ::DeleteProcThreadAttributeList(list_); }
  HandleListAttribute(const HandleListAttribute&) = delete;
  HandleListAttribute& operator=(const HandleListAttribute&) = delete;
  [[nodiscard]] LPPROC_THREAD_ATTRIBUTE_LIST get() const noexcept { return list_; }

 private:
  std::unique_ptr<char[]> storage_;
  LPPROC_THREAD_ATTRIBUTE_LIST list_ = nullptr;
};

void close_process(Child& child) noexcept {
  if (child.process != 0) ::CloseHandle(reinterpret_cast<HANDLE>(child.process));
  child.process = 0;
}

int status_from(const Child& child, DWORD code) noexcept {
  if (child.terminated_by != 0 && code == exit_code_for(child.terminated_by)) return -child.terminated_by;
  return static_cast<int>(code);
}

}  // namespace

Pipe::~Pipe() {
  close_pipe_end(read);
  close_pipe_end(write);
}

void open_pipe(Pipe& pipe, PipeKeeper keeper) {
  if (keeper != PipeKeeper::neither) {
    open_overlapped_pipe(pipe, keeper == PipeKeeper::reader);
    return;
  }
  HANDLE read_end = nullptr;
  HANDLE write_end = nullptr;
  if (!::CreatePipe(&read_end, &write_end, nullptr, pipe_buffer_bytes)) throw_windows(::GetLastError(), "CreatePipe");
  pipe.read = as_fd(read_end);
  pipe.write = as_fd(write_end);
}

void close_pipe_end(int& end) noexcept {
  if (end >= 0) ::CloseHandle(handle_of(end));
  end = -1;
}

void ignore_sigpipe() noexcept {}

Child spawn_child(const SubprocessOptions& options, int in, int out, int err) {
  if (options.argv.empty()) throw std::invalid_argument("picos: Subprocess: argv is empty");
  const std::string what = "spawn '" + options.argv.front() + "'";
  std::wstring command_line;
  for (const std::string& argument : options.argv) append_quoted(command_line, utf16_from_utf8(argument, what));
  std::wstring environment;
  if (options.env) environment = environment_block(*options.env);
  const std::wstring directory = utf16_from_utf8(options.cwd, what);

  InheritedHandles inherited(in, out, err);
  HandleListAttribute attribute(inherited.list);
  STARTUPINFOEXW startup{};
  startup.StartupInfo.cb = sizeof startup;
  startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  startup.StartupInfo.hStdInput = inherited.standard[0];
  startup.StartupInfo.hStdOutput = inherited.standard[1];
  startup.StartupInfo.hStdError = inherited.standard[2];
  startup.lpAttributeList = attribute.get();
  PROCESS_INFORMATION started{};
  const BOOL ok = ::CreateProcessW(nullptr, command_line.data(), nullptr, nullptr, !inherited.list.empty(),
                                   EXTENDED_STARTUPINFO_PRESENT | CREATE_UNICODE_ENVIRONMENT,
                                   options.env ? environment.data() : nullptr,
                                   directory.empty() ? nullptr : directory.c_str(), &startup.StartupInfo, &started);
  if (!ok) throw_windows(::GetLastError(), what.c_str());
  ::CloseHandle(started.hThread);
  Child child;
  child.pid = static_cast<int>(started.dwProcessId);
  child.process = reinterpret_cast<std::intptr_t>(started.hProcess);
  return child;
}

void signal_child(Child& child, int signal) noexcept {
  if (child.process == 0 || child.status) return;
  child.terminated_by = signal;
  ::TerminateProcess(reinterpret_cast<HANDLE>(child.process), exit_code_for(signal));
}

bool try_reap(Child& child) noexcept {
  if (child.status) return true;
  const auto process = reinterpret_cast<HANDLE>(child.process);
  if (::WaitForSingleObject(process, 0) != WAIT_OBJECT_0) return false;
  DWORD code = 0;
  child.status = ::GetExitCodeProcess(process, &code) ? status_from(child, code) : -1;
  close_process(child);
  return true;
}

void wait_child(Child& child, std::int64_t deadline) {
  // No completion packet says that a process has ended, so a task looks every few milliseconds
  // (its scheduler runs other tasks meanwhile); a plain thread blocks on the process handle.
  using namespace std::chrono_literals;
  while (!try_reap(child)) {
    if (monotonic_expired(deadline)) throw_timed_out("Subprocess::wait");
    if (SchedulerCore::current_task() != nullptr) {
      this_task::sleep(5ms);
    } else {
      ::WaitForSingleObject(reinterpret_cast<HANDLE>(child.process), 5);
    }
  }
}

void kill_and_reap(Child& child) noexcept {
  if (!try_reap(child)) {
    signal_child(child, kill_signal);
    ::WaitForSingleObject(reinterpret_cast<HANDLE>(child.process), INFINITE);
    try_reap(child);
  }
  close_process(child);
}

}  // namespace picos::detail
