#pragma once
// Opening the directories of a FileTarget below dest_path at use time: one component at a time,
// relative to the directory opened before, never following a symbolic link. Later calls work on
// the held descriptors (openat, renameat, unlinkat...), so a link planted inside dest_path, or a
// directory swapped for one meanwhile, cannot lead outside it.

#include "net/file_paths.hpp"

#include <picos/file_transfer.hpp>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace picos::net {

// A file operation failed with a status for the peer's reply.
class FileFailure : public std::runtime_error {
 public:
  FileFailure(FileStatus status, const std::string& reason) : std::runtime_error(reason), status_(status) {}
  [[nodiscard]] FileStatus status() const noexcept { return status_; }

 private:
  FileStatus status_;
};

// Throws FileFailure(io_error) with `what` and the text of `error`.
[[noreturn]] void throw_file_errno(int error, const std::string& what);

// An owned file descriptor.
class Fd {
 public:
  Fd() noexcept = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  [[nodiscard]] int get() const noexcept { return fd_; }
  int release() noexcept;

 private:
  int fd_ = -1;
};

class DirChain {
 public:
  // Opens dest_path (following links: it is the operator's choice), then each of target.dirs
  // without following links. With `create`, missing directories (dest_path's parents included)
  // are made. Throws FileFailure: refused_path for a symbolic link or non-directory on the way,
  // not_found for a missing one (without `create`), io_error otherwise.
  static DirChain open(const std::string& dest_path, const FileTarget& target, bool create);

  // The innermost directory.
  [[nodiscard]] int fd() const noexcept { return fds_.back().get(); }
  // Index of the first of target.dirs this open() created (dirs.size() when none).
  [[nodiscard]] std::size_t first_created() const noexcept { return first_created_; }
  // Removes empty directories from the innermost up to target.dirs[from] (never dest_path),
  // stopping at the first that is not empty. Never throws.
  void prune_empty(std::size_t from) noexcept;
  // Closes the descriptors that fd() and prune_empty(first_created()) do not need, for chains
  // kept open during a transfer. prune_empty() must not go below first_created() afterwards.
  void close_unneeded() noexcept;

 private:
  std::vector<Fd> fds_;             // dest_path, then one per component
  std::vector<std::string> names_;  // the components
  std::size_t first_created_ = 0;
};

}  // namespace picos::net
