#include "net/file_tree.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace picos::net {
namespace {

constexpr int directory_flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;

// mkdir -p for dest_path, which may legitimately lie behind symbolic links.
void make_directories(const std::string& path) {
  for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    if (!prefix.empty() && ::mkdir(prefix.c_str(), 0777) != 0 && errno != EEXIST) {
      throw_file_errno(errno, "cannot create " + prefix);
    }
    if (slash == std::string::npos) return;
  }
}

}  // namespace

void throw_file_errno(int error, const std::string& what) {
  throw FileFailure(FileStatus::io_error, what + ": " + std::generic_category().message(error));
}

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

int Fd::release() noexcept {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

DirChain DirChain::open(const std::string& dest_path, const FileTarget& target, bool create) {
  DirChain chain;
  if (create) make_directories(dest_path);
  Fd root(::open(dest_path.c_str(), directory_flags));
  if (root.get() < 0) {
    if (errno == ENOENT) throw FileFailure(FileStatus::not_found, "no directory " + dest_path);
    throw_file_errno(errno, "cannot open " + dest_path);
  }
  chain.fds_.push_back(std::move(root));
  chain.first_created_ = target.dirs.size();
  std::string path = dest_path;
  for (std::size_t i = 0; i < target.dirs.size(); ++i) {
    const std::string& name = target.dirs[i];
    path += "/" + name;
    if (create) {
      if (::mkdirat(chain.fd(), name.c_str(), 0777) == 0) {
        chain.first_created_ = std::min(chain.first_created_, i);
      } else if (errno != EEXIST) {
        throw_file_errno(errno, "cannot create " + path);
      }
    }
    Fd next(::openat(chain.fd(), name.c_str(), directory_flags | O_NOFOLLOW));
    if (next.get() < 0) {
      const int error = errno;
      struct stat info {};
      const bool link = error == ELOOP ||
                        (::fstatat(chain.fd(), name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(info.st_mode));
      chain.prune_empty(chain.first_created_);
      if (link) throw FileFailure(FileStatus::refused_path, path + " is a symbolic link");
      if (error == ENOTDIR) throw FileFailure(FileStatus::refused_path, path + " is not a directory");
      if (error == ENOENT) throw FileFailure(FileStatus::not_found, "no directory " + path);
      throw_file_errno(error, "cannot open " + path);
    }
    chain.fds_.push_back(std::move(next));
    chain.names_.push_back(name);
  }
  return chain;
}

void DirChain::close_unneeded() noexcept {
  // prune_empty(first_created_) uses fds_[first_created_ ..]; fd() uses the last one.
  for (std::size_t i = 0; i < first_created_ && i + 1 < fds_.size(); ++i) fds_[i] = Fd();
}

void DirChain::prune_empty(std::size_t from) noexcept {
  for (std::size_t i = names_.size(); i > from; --i) {
    // fds_[i - 1] is the parent of names_[i - 1].
    if (::unlinkat(fds_[i - 1].get(), names_[i - 1].c_str(), AT_REMOVEDIR) != 0) return;
  }
}

}  // namespace picos::net
