#pragma once
// The parts of picos::AsyncFile that differ between POSIX and Windows, so file.cpp is written
// once: file_posix.cpp and file_windows.cpp implement them.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace picos::detail {

struct FileFacts {
  bool regular = false;   // a regular file: positioned I/O, never "not ready"
  bool socket = false;
  bool append = false;    // every write goes to the end
  int saved_flags = -1;   // what restore_file() puts back (POSIX file status flags)
};

// Opens `path` with a stdio-like mode ("r", "w", "a", each with an optional "+"), close-on-exec
// (not inherited) and, on Windows, for overlapped I/O. Throws std::invalid_argument for a bad mode
// and std::system_error naming the path when the OS refuses.
[[nodiscard]] int open_file(const std::string& path, std::string_view mode, int permissions);
// What `fd` is; with `remember_flags`, also its flags for restore_file().
[[nodiscard]] FileFacts describe_file(int fd, bool remember_flags) noexcept;
// Puts back the flags describe_file() saw on a descriptor that picos does not own. Never throws.
void restore_file(int fd, int saved_flags) noexcept;
// The offset to give a write on a file opened for appending (its current offset otherwise).
[[nodiscard]] std::uint64_t append_offset(std::uint64_t offset) noexcept;
// Reads/writes up to `size` bytes at `offset`, blocking the calling thread: the bytes moved (0 at
// the end of the file) or -errno.
[[nodiscard]] std::int64_t positioned_blocking(int fd, bool write, char* data, std::size_t size,
                                               std::uint64_t offset) noexcept;

}  // namespace picos::detail
