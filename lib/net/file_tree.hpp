#pragma once
// Opening the directories of a FileTarget below dest_path at use time: one component at a time,
// inside the directory opened before, never following a symbolic link (file_os.hpp). Later calls
// work on the names inside the held directories, so a link planted inside dest_path, or a
// directory swapped for one meanwhile, cannot lead outside it.

#include "net/file_os.hpp"
#include "net/file_paths.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace picos::net {

class DirChain {
 public:
  // Opens dest_path (following links: it is the operator's choice), then each of target.dirs
  // without following links. With `create`, missing directories (dest_path's parents included)
  // are made. Throws FileFailure: refused_path for a symbolic link or non-directory on the way,
  // not_found for a missing one (without `create`), io_error otherwise.
  static DirChain open(const std::string& dest_path, const FileTarget& target, bool create);

  // The innermost directory.
  [[nodiscard]] const Directory& innermost() const noexcept { return dirs_.back(); }
  // Index of the first of target.dirs this open() created (dirs.size() when none).
  [[nodiscard]] std::size_t first_created() const noexcept { return first_created_; }
  // Removes empty directories from the innermost up to target.dirs[from] (never dest_path),
  // stopping at the first that is not empty. It closes them on the way: the chain is of no more
  // use afterwards. Never throws.
  void prune_empty(std::size_t from) noexcept;
  // Closes the directories that innermost() and prune_empty(first_created()) do not need, for
  // chains kept open during a transfer (not on Windows, see directories_need_ancestors()).
  // prune_empty() must not go below first_created() afterwards.
  void close_unneeded() noexcept;

 private:
  std::vector<Directory> dirs_;     // dest_path, then one per component
  std::vector<std::string> names_;  // the components
  std::size_t first_created_ = 0;
};

}  // namespace picos::net
