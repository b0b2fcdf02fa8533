#include "net/file_tree.hpp"

#include <algorithm>

namespace picos::net {

DirChain DirChain::open(const std::string& dest_path, const FileTarget& target, bool create) {
  DirChain chain;
  chain.dirs_.push_back(open_root_directory(dest_path, create));
  chain.first_created_ = target.dirs.size();
  std::string path = dest_path;
  for (std::size_t i = 0; i < target.dirs.size(); ++i) {
    const std::string& name = target.dirs[i];
    path += "/" + name;
    try {
      ChildDirectory child = open_child_directory(chain.innermost(), name, create, path);
      if (child.created) chain.first_created_ = std::min(chain.first_created_, i);
      chain.dirs_.push_back(std::move(child.directory));
    } catch (const FileFailure&) {
      // Directories made for this target are of no use now.
      chain.prune_empty(chain.first_created_);
      throw;
    }
    chain.names_.push_back(name);
  }
  return chain;
}

void DirChain::close_unneeded() noexcept {
  if (directories_need_ancestors()) return;
  // prune_empty(first_created_) uses dirs_[first_created_ ..]; innermost() uses the last one.
  for (std::size_t i = 0; i < first_created_ && i + 1 < dirs_.size(); ++i) dirs_[i] = Directory();
}

void DirChain::prune_empty(std::size_t from) noexcept {
  for (std::size_t i = names_.size(); i > from; --i) {
    // dirs_[i - 1] is the parent of names_[i - 1], open as dirs_[i].
    if (!remove_empty_directory(dirs_[i - 1], names_[i - 1], std::move(dirs_[i]))) return;
  }
}

}  // namespace picos::net
