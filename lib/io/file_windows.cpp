// file_os.hpp on Windows: files are opened for overlapped I/O, so the IOCP backend reads and
// writes them asynchronously at offsets.
#include "io/file_os.hpp"

#include "io/windows_text.hpp"
#include "poller/windows_errors.hpp"
#include "poller/winsock.hpp"

#include <cerrno>
#include <stdexcept>
#include <string>

namespace picos::detail {

int open_file(const std::string& path, std::string_view mode, int) {
  const bool plus = mode.find('+') != std::string_view::npos;
  DWORD access = 0;
  DWORD disposition = 0;
  switch (mode.empty() ? 'r' : mode[0]) {
    case 'r': access = GENERIC_READ | (plus ? GENERIC_WRITE : 0); disposition = OPEN_EXISTING; break;
    case 'w': access = GENERIC_WRITE | (plus ? GENERIC_READ : 0); disposition = CREATE_ALWAYS; break;
    case 'a': access = GENERIC_WRITE | (plus ? GENERIC_READ : 0); disposition = OPEN_ALWAYS; break;
    default: throw std::invalid_argument("picos: AsyncFile::open: bad mode '" + std::string(mode) + "'");
  }
  // POSIX lets others read, write, rename and delete an open file; so does this share mode.
  const DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
  const HANDLE file = ::CreateFileW(utf16_from_utf8(path, "open '" + path + "'").c_str(), access, share, nullptr, disposition,
                                    FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OVERLAPPED, nullptr);
  if (file == INVALID_HANDLE_VALUE) throw_windows(::GetLastError(), ("open '" + path + "'").c_str());
  return as_fd(file);
}

FileFacts describe_file(int fd, bool) noexcept {
  FileFacts facts;
  const DWORD type = ::GetFileType(as_handle(fd));
  facts.regular = type == FILE_TYPE_DISK;
  if (type == FILE_TYPE_PIPE) {
    // Sockets report themselves as pipes; only a socket answers SO_TYPE.
    int socket_type = 0;
    int length = sizeof socket_type;
    facts.socket = ::getsockopt(as_socket(fd), SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&socket_type), &length) == 0;
  }
  return facts;
}

void restore_file(int, int) noexcept {}

// WriteFile writes at the end of the file when both offset halves are 0xFFFFFFFF.
std::uint64_t append_offset(std::uint64_t) noexcept { return UINT64_MAX; }

std::int64_t positioned_blocking(int fd, bool write, char* data, std::size_t size, std::uint64_t offset) noexcept {
  OVERLAPPED overlapped{};
  overlapped.Offset = static_cast<DWORD>(offset);
  overlapped.OffsetHigh = static_cast<DWORD>(offset >> 32);
  const HANDLE event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
  if (event == nullptr) return -errno_from_windows(::GetLastError());
  // The low bit keeps this call's completion out of a completion port the file may be
  // associated with (an IOCP scheduler used it before): only this thread waits for it.
  overlapped.hEvent = reinterpret_cast<HANDLE>(reinterpret_cast<ULONG_PTR>(event) | 1);
  const HANDLE file = as_handle(fd);
  const auto length = static_cast<DWORD>(size > (1u << 30) ? (1u << 30) : size);
  const BOOL started = write ? ::WriteFile(file, data, length, nullptr, &overlapped)
                             : ::ReadFile(file, data, length, nullptr, &overlapped);
  DWORD moved = 0;
  DWORD error = 0;
  if ((!started && ::GetLastError() != ERROR_IO_PENDING) || !::GetOverlappedResult(file, &overlapped, &moved, TRUE)) {
    error = ::GetLastError();
  }
  ::CloseHandle(event);
  if (error == ERROR_HANDLE_EOF && !write) return 0;
  if (error != 0) return -errno_from_windows(error);
  return moved;
}

}  // namespace picos::detail
