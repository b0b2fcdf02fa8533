// file_os.hpp on POSIX: every call on a name works relative to a held directory descriptor
// (openat, fstatat, renameat...) with O_NOFOLLOW / AT_SYMLINK_NOFOLLOW, so no symbolic link or
// renamed directory along dest_path/dirs can redirect it.
#include "net/file_os.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

namespace picos::net {
namespace {

constexpr int directory_flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
constexpr std::uint32_t permission_bits = 0777;
constexpr std::int64_t nanoseconds_per_second = 1'000'000'000;

[[noreturn]] void throw_errno(int error, const std::string& what, FileStatus status = FileStatus::io_error) {
  throw FileFailure(status, what + ": " + std::generic_category().message(error));
}

// mkdir -p for dest_path, which may legitimately lie behind symbolic links.
void make_directories(const std::string& path) {
  for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    if (!prefix.empty() && ::mkdir(prefix.c_str(), 0777) != 0 && errno != EEXIST) {
      throw_errno(errno, "cannot create " + prefix);
    }
    if (slash == std::string::npos) return;
  }
}

Entry entry_of(const struct stat& info) {
  Entry entry;
  if (S_ISREG(info.st_mode)) entry.kind = EntryKind::regular;
  else if (S_ISDIR(info.st_mode)) entry.kind = EntryKind::directory;
  else if (S_ISLNK(info.st_mode)) entry.kind = EntryKind::symlink;
  else entry.kind = EntryKind::other;
  entry.stamp.size = static_cast<std::uint64_t>(info.st_size);
  entry.stamp.mtime_ns = static_cast<std::int64_t>(info.st_mtim.tv_sec) * nanoseconds_per_second + info.st_mtim.tv_nsec;
  entry.stamp.mode = static_cast<std::uint32_t>(info.st_mode) & permission_bits;
  return entry;
}

}  // namespace

void OwnedHandle::reset() noexcept {
  if (handle_ >= 0) ::close(std::exchange(handle_, -1));
}

Directory open_root_directory(const std::string& dest_path, bool create) {
  if (create) make_directories(dest_path);
  Directory root{OwnedHandle(::open(dest_path.c_str(), directory_flags)), {}};
  if (root.handle.get() < 0) {
    if (errno == ENOENT) throw FileFailure(FileStatus::not_found, "no directory " + dest_path);
    throw_errno(errno, "cannot open " + dest_path);
  }
  return root;
}

ChildDirectory open_child_directory(const Directory& parent, const std::string& name, bool create,
                                    const std::string& path) {
  const int at = parent.handle.get();
  ChildDirectory child;
  if (create) {
    if (::mkdirat(at, name.c_str(), 0777) == 0) {
      child.created = true;
    } else if (errno != EEXIST) {
      throw_errno(errno, "cannot create " + path);
    }
  }
  child.directory.handle = OwnedHandle(::openat(at, name.c_str(), directory_flags | O_NOFOLLOW));
  if (child.directory.handle.get() < 0) {
    const int error = errno;
    // A link is ELOOP on Linux; other systems may say ENOTDIR or EMLINK: ask what the name is.
    struct stat info {};
    if (error == ELOOP || (::fstatat(at, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(info.st_mode))) {
      throw FileFailure(FileStatus::refused_path, path + " is a symbolic link");
    }
    if (error == ENOTDIR) throw FileFailure(FileStatus::refused_path, path + " is not a directory");
    if (error == ENOENT) throw FileFailure(FileStatus::not_found, "no directory " + path);
    throw_errno(error, "cannot open " + path);
  }
  return child;
}

bool remove_empty_directory(const Directory& parent, const std::string& name, Directory child) noexcept {
  child.handle.reset();
  return ::unlinkat(parent.handle.get(), name.c_str(), AT_REMOVEDIR) == 0;
}

bool directories_need_ancestors() noexcept { return false; }

Entry inspect_entry(const Directory& dir, const std::string& name, const std::string& path) {
  struct stat info {};
  if (::fstatat(dir.handle.get(), name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return Entry{};
    throw_errno(errno, "cannot inspect " + path);
  }
  return entry_of(info);
}

OwnedHandle create_new_file(const Directory& dir, const std::string& name, const std::string& what) {
  constexpr int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  OwnedHandle file(::openat(dir.handle.get(), name.c_str(), flags, 0600));
  if (file.get() < 0) throw_errno(errno, what);
  return file;
}

void set_mode_and_mtime(int file, std::uint32_t mode, std::int64_t mtime_ns, const std::string& path) {
  if (::fchmod(file, static_cast<mode_t>(mode & permission_bits)) != 0) {
    throw_errno(errno, "cannot set the mode of " + path);
  }
  std::int64_t seconds = mtime_ns / nanoseconds_per_second;
  std::int64_t nanoseconds = mtime_ns % nanoseconds_per_second;
  if (nanoseconds < 0) {
    seconds -= 1;
    nanoseconds += nanoseconds_per_second;
  }
  const timespec times[2] = {{0, UTIME_NOW}, {static_cast<time_t>(seconds), static_cast<long>(nanoseconds)}};
  if (::futimens(file, times) != 0) throw_errno(errno, "cannot set the mtime of " + path);
}

FileStamp as_stored(const FileStamp& stamp) noexcept {
  return FileStamp{stamp.size, stamp.mtime_ns, stamp.mode & permission_bits};
}

void rename_over(const Directory& dir, const std::string& from, const std::string& to, const std::string& what) {
  if (::renameat(dir.handle.get(), from.c_str(), dir.handle.get(), to.c_str()) != 0) throw_errno(errno, what);
}

bool rename_if_absent(const Directory& dir, const std::string& from, const std::string& to, const std::string& what) {
  // A hard link fails atomically when the name is taken; the old name goes afterwards.
  const int at = dir.handle.get();
  if (::linkat(at, from.c_str(), at, to.c_str(), 0) != 0) {
    if (errno == EEXIST) return false;
    throw_errno(errno, what);
  }
  (void)::unlinkat(at, from.c_str(), 0);
  return true;
}

void remove_file(const Directory& dir, const std::string& name, const std::string& what) {
  if (::unlinkat(dir.handle.get(), name.c_str(), 0) != 0) throw_errno(errno, what);
}

SourceFile open_source_file(const std::string& path) {
  SourceFile source{OwnedHandle(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), {}};
  struct stat info {};
  if (source.handle.get() < 0 || ::fstat(source.handle.get(), &info) != 0) {
    throw_errno(errno, "cannot open " + path, FileStatus::bad_source);
  }
  source.entry = entry_of(info);
  return source;
}

std::string temp_directory() {
  const char* value = std::getenv("TMPDIR");
  return value != nullptr ? value : "";
}

}  // namespace picos::net
