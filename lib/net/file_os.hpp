#pragma once
// The file-system calls of file transfer that differ between POSIX and Windows, so file_tree.cpp,
// file_receiver.cpp and file_transfer.cpp are written once: file_os_posix.cpp and
// file_os_windows.cpp implement them.
//
// A `name` is one path component inside an open Directory, and it is never followed when it is a
// symbolic link. POSIX works relative to the held directory descriptors (openat, fstatat,
// renameat...). Windows keeps a handle on every open Directory that lets no one rename or delete
// it, refuses reparse points that alias another entry (symbolic links, junctions) on the way, and
// works on full paths (\\?\ form) below those held directories.
//
// Failures throw FileFailure. Where a call takes `what` (the operation, for the message), an
// unexpected OS error is FileFailure(io_error, what + ": " + the OS's text of the error).
//
// Windows differences:
//  - Permission bits are approximate: Windows keeps only a read-only attribute. A mode without
//    the owner's write bit (0200) sets it; files report 0444 when it is set, 0666 otherwise (the
//    execute bits 0111 cannot be kept).
//  - Modification times are kept in 100 ns ticks (the nanoseconds below are truncated).
//  - Names the file system cannot hold are refused_path: the characters <>:"\|?* and control
//    characters, a trailing dot or space, device names (CON, PRN, AUX, NUL, COM0-9, LPT0-9, with
//    or without an extension) and text that is not UTF-8.
//  - A read-only file is replaced or deleted like any other (POSIX ignores the mode there; Windows
//    would refuse, so its read-only attribute is cleared first).

#include <picos/file_transfer.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace picos::net {

// A file operation failed with a status for the peer's reply.
class FileFailure : public std::runtime_error {
 public:
  FileFailure(FileStatus status, const std::string& reason) : std::runtime_error(reason), status_(status) {}
  [[nodiscard]] FileStatus status() const noexcept { return status_; }

 private:
  FileStatus status_;
};

// An owned file or directory: a descriptor on POSIX, a HANDLE kept in an int on Windows (see
// poller/winsock.hpp); -1 when there is none.
class OwnedHandle {
 public:
  OwnedHandle() noexcept = default;
  explicit OwnedHandle(int handle) noexcept : handle_(handle) {}
  OwnedHandle(OwnedHandle&& other) noexcept : handle_(other.release()) {}
  OwnedHandle& operator=(OwnedHandle&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = other.release();
    }
    return *this;
  }
  OwnedHandle(const OwnedHandle&) = delete;
  OwnedHandle& operator=(const OwnedHandle&) = delete;
  ~OwnedHandle() { reset(); }

  [[nodiscard]] int get() const noexcept { return handle_; }
  // Gives the handle up without closing it (to an AsyncFile).
  [[nodiscard]] int release() noexcept { return std::exchange(handle_, -1); }
  // Closes the handle, if any. Never throws.
  void reset() noexcept;

 private:
  int handle_ = -1;
};

// An open directory.
struct Directory {
  OwnedHandle handle;
  std::wstring path;  // Windows: its full path, which the calls on names in it use; POSIX: empty
};

// Size, modification time and permission bits of a file.
struct FileStamp {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;  // nanoseconds since the epoch
  std::uint32_t mode = 0;     // permission bits (0777)
  bool operator==(const FileStamp&) const = default;
};

enum class EntryKind : std::uint8_t { missing, regular, directory, symlink, other };

// What a name is; `stamp` is meaningful for a regular file.
struct Entry {
  EntryKind kind = EntryKind::missing;
  FileStamp stamp;
};

// Opens the directory `dest_path`, following symbolic links (where it lies is the operator's
// choice); with `create`, it and its missing parents are made first. Throws FileFailure:
// not_found "no directory <dest_path>" when it is missing, io_error "cannot create <directory>" or
// "cannot open <dest_path>" otherwise.
[[nodiscard]] Directory open_root_directory(const std::string& dest_path, bool create);

struct ChildDirectory {
  Directory directory;
  bool created = false;  // open_child_directory() made it
};

// Opens the directory `name` in `parent` without following a symbolic link; with `create`, makes
// it first when missing. `path` names it in messages. Throws FileFailure: refused_path "<path> is
// a symbolic link" / "<path> is not a directory", not_found "no directory <path>", io_error
// "cannot create <path>" / "cannot open <path>".
[[nodiscard]] ChildDirectory open_child_directory(const Directory& parent, const std::string& name, bool create,
                                                  const std::string& path);

// Closes `child`, the directory `name` in `parent`, then removes it if it is empty. False when it
// was not removed (not empty, in use...). Never throws.
bool remove_empty_directory(const Directory& parent, const std::string& name, Directory child) noexcept;

// Whether a Directory stays safe to use only while the directories above it stay open (Windows:
// the held handles are what keep its path from being changed), so a DirChain must keep them.
[[nodiscard]] bool directories_need_ancestors() noexcept;

// What `name` in `dir` is, without following a symbolic link. `path` names it in messages. Throws
// FileFailure(io_error, "cannot inspect <path>: ...") when the OS cannot tell.
[[nodiscard]] Entry inspect_entry(const Directory& dir, const std::string& name, const std::string& path);

// Creates the file `name` in `dir` for writing; it must not exist (not even as a symbolic link).
// POSIX: mode 0600. The handle is for AsyncFile to adopt (Windows: opened for overlapped I/O, and
// shared for deletion so that the open file can be renamed). Throws FileFailure.
[[nodiscard]] OwnedHandle create_new_file(const Directory& dir, const std::string& name, const std::string& what);

// Sets the permission bits and the modification time of the open file `file`. `path` names it in
// messages. Throws FileFailure(io_error).
void set_mode_and_mtime(int file, std::uint32_t mode, std::int64_t mtime_ns, const std::string& path);

// The stamp that inspect_entry() reports for a file once it holds `stamp.size` bytes and got
// set_mode_and_mtime(stamp.mode, stamp.mtime_ns): what this OS keeps of them.
[[nodiscard]] FileStamp as_stored(const FileStamp& stamp) noexcept;

// Renames the file `from` to `to` in `dir`, replacing a file `to`. Throws FileFailure.
void rename_over(const Directory& dir, const std::string& from, const std::string& to, const std::string& what);

// Renames the file `from` to `to` in `dir` unless `to` exists, atomically: false, with nothing
// changed, when it does. Throws FileFailure.
[[nodiscard]] bool rename_if_absent(const Directory& dir, const std::string& from, const std::string& to,
                                    const std::string& what);

// Deletes the file (or symbolic link) `name` in `dir`. Throws FileFailure.
void remove_file(const Directory& dir, const std::string& name, const std::string& what);

struct SourceFile {
  OwnedHandle handle;  // for AsyncFile to adopt (Windows: opened for overlapped I/O)
  Entry entry;         // never missing nor symlink
};

// Opens the local file `path` for reading, following symbolic links. Throws
// FileFailure(bad_source, "cannot open <path>: ...").
[[nodiscard]] SourceFile open_source_file(const std::string& path);

// The directory for temporary files: $TMPDIR on POSIX (empty when unset), GetTempPathW() without
// its trailing separator on Windows (empty when it fails).
[[nodiscard]] std::string temp_directory();

}  // namespace picos::net
