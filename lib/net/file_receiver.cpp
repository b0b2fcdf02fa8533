// Receiving files. Data is written through picos::AsyncFile, so on io_uring the writes are
// submitted to the ring and elsewhere they run on the shared thread pool: the network thread
// never waits for the disk and keeps serving heartbeats and other peers. The metadata calls
// (file_os.hpp: openat, fstatat, renameat, unlinkat... on POSIX) are single short system calls
// made directly on the network thread; each transfer makes a handful of them. Files are written to
// a private temporary name (partial_file_prefix, mode 0600 on POSIX) in the target directory and
// renamed into place only when complete, with mode and mtime already set, so a failed or abandoned
// transfer never leaves a partial file under the real name.
#include "net/file_receiver.hpp"

#include "net/exports.hpp"
#include "net/file_tree.hpp"
#include "net/frame_stream.hpp"

#include <picos/file.hpp>
#include <picos/log.hpp>

#include <cstdio>
#include <system_error>
#include <vector>

namespace picos::net {
namespace {

constexpr std::uint32_t permission_bits = 0777;

FileReplyPayload reply(std::uint64_t id, FileStep step, std::uint64_t value = 0) {
  return FileReplyPayload{id, static_cast<std::uint8_t>(step), 0, value, {}};
}

FileReplyPayload failure(std::uint64_t id, FileStatus status, std::string reason) {
  return FileReplyPayload{id, static_cast<std::uint8_t>(FileStep::failed), static_cast<std::uint8_t>(status), 0,
                          std::move(reason)};
}

// Whether `existing` is what storing the offered file would leave (as far as the OS keeps it).
bool same_file(const Entry& existing, const FileOfferPayload& offer) {
  return existing.stamp == as_stored(FileStamp{offer.size, offer.mtime_ns, offer.mode & permission_bits});
}

std::string partial_name() {
  char hex[17] = {};
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(random_u64()));
  return std::string(partial_file_prefix) + hex;
}

}  // namespace

struct FileReceiver::Incoming {
  Incoming(FileTarget target, DirChain dirs, std::string partial, OwnedHandle handle, const FileOfferPayload& offer)
      : target(std::move(target)),
        dirs(std::move(dirs)),
        partial(std::move(partial)),
        file(handle.release(), true),
        size(offer.size),
        mtime_ns(offer.mtime_ns),
        mode(offer.mode & permission_bits),
        overwrite(offer.overwrite) {
    this->dirs.close_unneeded();
  }
  Incoming(const Incoming&) = delete;
  Incoming& operator=(const Incoming&) = delete;
  ~Incoming() { discard(); }

  // Sets mode and mtime and moves the partial file, still open, to its name (file_os.hpp makes
  // that work on Windows too). Throws FileFailure, leaving the partial file to discard().
  void commit() {
    set_mode_and_mtime(file.native_handle(), mode, mtime_ns, target.path);
    const Directory& dir = dirs.innermost();
    if (overwrite) {
      rename_over(dir, partial, target.name, "cannot rename the received file to " + target.path);
    } else if (!rename_if_absent(dir, partial, target.name, "cannot link the received file to " + target.path)) {
      // The name was taken meanwhile (by another transfer).
      throw FileFailure(FileStatus::exists, target.path + " appeared during the transfer");
    }
    finished = true;
    file.close();
  }

  // Closes and removes the partial file and the directories made for it. Never throws.
  void discard() noexcept {
    file.close();
    if (finished) return;
    finished = true;
    try {
      remove_file(dirs.innermost(), partial, "cannot remove " + partial);
    } catch (...) {
      // Left behind under its reserved name, which peers cannot reach.
    }
    dirs.prune_empty(dirs.first_created());
  }

  FileTarget target;
  DirChain dirs;
  std::string partial;
  AsyncFile file;
  std::uint64_t size = 0;
  std::uint64_t received = 0;
  std::int64_t mtime_ns = 0;
  std::uint32_t mode = 0;
  bool overwrite = false;
  bool finished = false;
};

FileReceiver::~FileReceiver() { drop_all(); }

void FileReceiver::configure(std::string dest_path, std::uint64_t max_file_size, std::size_t max_chunk) {
  dest_path_ = std::move(dest_path);
  max_file_size_ = max_file_size;
  max_chunk_ = max_chunk;
}

FileReplyPayload FileReceiver::offer(const void* connection, const FileOfferPayload& offer) {
  const std::uint64_t id = offer.request_id;
  if (incoming_.contains({connection, id})) throw ProtocolError("a file offer reuses the id of a transfer in progress");
  auto checked = file_target(dest_path_, offer.dir, offer.name);
  if (const auto* refusal = std::get_if<PathRefusal>(&checked)) return failure(id, FileStatus::refused_path, refusal->reason);
  FileTarget& target = std::get<FileTarget>(checked);
  if (max_file_size_ != 0 && offer.size > max_file_size_) {
    return failure(id, FileStatus::too_large,
                   target.path + ": " + std::to_string(offer.size) + " bytes exceed the maximum of " +
                       std::to_string(max_file_size_));
  }
  std::size_t in_progress = 0;
  for (auto it = incoming_.lower_bound({connection, 0}); it != incoming_.end() && it->first.first == connection; ++it) {
    ++in_progress;
  }
  if (in_progress >= max_transfers_per_connection) {
    return failure(id, FileStatus::busy, std::to_string(in_progress) + " transfers from this node are in progress");
  }
  try {
    DirChain dirs = DirChain::open(dest_path_, target, true);
    const Entry existing = inspect_entry(dirs.innermost(), target.name, target.path);
    switch (existing.kind) {
      case EntryKind::missing: break;
      case EntryKind::regular:
        if (same_file(existing, offer)) return reply(id, FileStep::done);
        if (!offer.overwrite) {
          return failure(id, FileStatus::exists, target.path + " exists with another size, mtime or mode");
        }
        break;
      case EntryKind::symlink: return failure(id, FileStatus::refused_path, target.path + " is a symbolic link");
      default: return failure(id, FileStatus::exists, target.path + " exists and is not a regular file");
    }
    std::string partial = partial_name();
    OwnedHandle handle;
    try {
      handle = create_new_file(dirs.innermost(), partial, "cannot create a file in the directory of " + target.path);
    } catch (const FileFailure&) {
      dirs.prune_empty(dirs.first_created());
      throw;
    }
    auto incoming =
        std::make_shared<Incoming>(std::move(target), std::move(dirs), std::move(partial), std::move(handle), offer);
    if (offer.size == 0) {
      incoming->commit();
      return reply(id, FileStep::done);
    }
    incoming_.emplace(Key{connection, id}, std::move(incoming));
    return reply(id, FileStep::ready, max_chunk_);
  } catch (const FileFailure& error) {
    return failure(id, error.status(), error.what());
  }
}

std::optional<FileReplyPayload> FileReceiver::chunk(const void* connection, const FileChunkPayload& chunk,
                                                    Timeout timeout) {
  const Key key{connection, chunk.request_id};
  auto found = incoming_.find(key);
  if (found == incoming_.end()) return std::nullopt;
  const std::shared_ptr<Incoming> incoming = found->second;
  if (chunk.offset != incoming->received || chunk.data.empty() ||
      chunk.data.size() > incoming->size - incoming->received) {
    throw ProtocolError("file chunk of " + std::to_string(chunk.data.size()) + " bytes at offset " +
                        std::to_string(chunk.offset) + " does not continue a transfer at " +
                        std::to_string(incoming->received) + " of " + std::to_string(incoming->size) + " bytes");
  }
  // Whatever happens next, a transfer that ends here leaves the table first: the write suspends
  // this task, and the table may change meanwhile.
  auto finish = [&](FileReplyPayload result) {
    if (auto again = incoming_.find(key); again != incoming_.end() && again->second == incoming) incoming_.erase(again);
    incoming->discard();
    return result;
  };
  try {
    incoming->file.write(chunk.data, timeout);
  } catch (const std::system_error& error) {
    return finish(failure(chunk.request_id, FileStatus::io_error, "writing " + incoming->target.path + ": " + error.what()));
  }
  if (incoming->finished) return std::nullopt;  // dropped while writing (shutdown)
  incoming->received += chunk.data.size();
  if (incoming->received < incoming->size) return reply(chunk.request_id, FileStep::progress, incoming->received);
  try {
    incoming->commit();
    return finish(reply(chunk.request_id, FileStep::done, incoming->size));
  } catch (const FileFailure& error) {
    return finish(failure(chunk.request_id, error.status(), error.what()));
  }
}

void FileReceiver::cancel(const void* connection, std::uint64_t request_id) {
  auto found = incoming_.find({connection, request_id});
  if (found == incoming_.end()) return;
  const std::shared_ptr<Incoming> incoming = std::move(found->second);
  incoming_.erase(found);
  log(LogLevel::info, "picos: the sender cancelled the transfer of ", incoming->target.path);
  incoming->discard();
}

FileReplyPayload FileReceiver::remove(const FileDeletePayload& request) {
  const std::uint64_t id = request.request_id;
  auto checked = file_target(dest_path_, request.dir, request.name);
  if (const auto* refusal = std::get_if<PathRefusal>(&checked)) return failure(id, FileStatus::refused_path, refusal->reason);
  const FileTarget& target = std::get<FileTarget>(checked);
  try {
    DirChain dirs = DirChain::open(dest_path_, target, false);
    switch (inspect_entry(dirs.innermost(), target.name, target.path).kind) {
      case EntryKind::regular: break;
      case EntryKind::missing: return failure(id, FileStatus::not_found, "no file " + target.path);
      case EntryKind::symlink: return failure(id, FileStatus::refused_path, target.path + " is a symbolic link");
      default: return failure(id, FileStatus::refused_path, target.path + " is not a regular file");
    }
    remove_file(dirs.innermost(), target.name, "cannot delete " + target.path);
    dirs.prune_empty(0);
    return reply(id, FileStep::done);
  } catch (const FileFailure& error) {
    return failure(id, error.status(), error.what());
  }
}

void FileReceiver::drop_connection(const void* connection) {
  std::vector<std::shared_ptr<Incoming>> dropped;
  for (auto it = incoming_.lower_bound({connection, 0}); it != incoming_.end() && it->first.first == connection;) {
    dropped.push_back(std::move(it->second));
    it = incoming_.erase(it);
  }
  for (const auto& incoming : dropped) {
    log(LogLevel::info, "picos: dropped the unfinished transfer of ", incoming->target.path, " (", incoming->received,
        " of ", incoming->size, " bytes)");
    incoming->discard();
  }
}

void FileReceiver::drop_all() {
  std::map<Key, std::shared_ptr<Incoming>> dropped;
  dropped.swap(incoming_);
  for (const auto& [key, incoming] : dropped) incoming->discard();
}

}  // namespace picos::net
