// file_os.hpp on POSIX systems.
#include "io/file_os.hpp"

#include "poller/io_errors.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace picos::detail {
namespace {

int open_flags(std::string_view mode) {
  const bool plus = mode.find('+') != std::string_view::npos;
  switch (mode.empty() ? 'r' : mode[0]) {
    case 'r': return plus ? O_RDWR : O_RDONLY;
    case 'w': return (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC;
    case 'a': return (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND;
    default: throw std::invalid_argument("picos: AsyncFile::open: bad mode '" + std::string(mode) + "'");
  }
}

}  // namespace

int open_file(const std::string& path, std::string_view mode, int permissions) {
  const int fd = ::open(path.c_str(), open_flags(mode) | O_CLOEXEC, permissions);
  if (fd < 0) throw_errno(errno, ("open '" + path + "'").c_str());
  return fd;
}

FileFacts describe_file(int fd, bool remember_flags) noexcept {
  FileFacts facts;
  if (remember_flags) facts.saved_flags = ::fcntl(fd, F_GETFL);
  struct stat info {};
  const bool known = ::fstat(fd, &info) == 0;
  facts.regular = known && S_ISREG(info.st_mode);
  facts.socket = known && S_ISSOCK(info.st_mode);
  facts.append = facts.regular && (::fcntl(fd, F_GETFL) & O_APPEND) != 0;
  return facts;
}

void restore_file(int fd, int saved_flags) noexcept {
  if (saved_flags >= 0) ::fcntl(fd, F_SETFL, saved_flags);
}

// O_APPEND makes pwrite() ignore its offset.
std::uint64_t append_offset(std::uint64_t offset) noexcept { return offset; }

std::int64_t positioned_blocking(int fd, bool write, char* data, std::size_t size, std::uint64_t offset) noexcept {
  while (true) {
    const ssize_t n = write ? ::pwrite(fd, data, size, static_cast<off_t>(offset))
                            : ::pread(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    return n < 0 ? -errno : n;
  }
}

}  // namespace picos::detail
