#pragma once
// The receiving side of file transfer: offers, chunks, cancels and deletions from peers, stored
// below dest_path. Transfers in progress are keyed by the connection they arrived on, so a lost
// connection drops its transfers (and their partial files). Used only from tasks of the node's
// network scheduler (no locking).

#include "net/file_wire.hpp"

#include <picos/timeout.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace picos::net {

class FileReceiver {
 public:
  // Most transfers in progress per connection; more offers are answered busy.
  static constexpr std::size_t max_transfers_per_connection = 8;

  FileReceiver() = default;
  FileReceiver(const FileReceiver&) = delete;
  FileReceiver& operator=(const FileReceiver&) = delete;
  ~FileReceiver();

  // Where files go and the largest accepted (0: no limit); chunks offered to senders are at
  // most `max_chunk` bytes. Call before the first offer.
  void configure(std::string dest_path, std::uint64_t max_file_size, std::size_t max_chunk);
  [[nodiscard]] const std::string& dest_path() const noexcept { return dest_path_; }

  // The reply to an offer: ready (a partial file is open), done (the same file is there, or
  // the file is empty and stored) or failed.
  [[nodiscard]] FileReplyPayload offer(const void* connection, const FileOfferPayload& offer);
  // [B] Stores a chunk (file I/O, up to `timeout`): progress, done after the last one, failed;
  // std::nullopt for a transfer that is not (any more) in progress. Throws ProtocolError for a
  // chunk that does not follow the previous one or exceeds the offered size.
  [[nodiscard]] std::optional<FileReplyPayload> chunk(const void* connection, const FileChunkPayload& chunk,
                                                      Timeout timeout);
  // Drops a transfer and its partial file.
  void cancel(const void* connection, std::uint64_t request_id);
  // Deletes a file (done or failed) and prunes empty parent directories up to dest_path.
  [[nodiscard]] FileReplyPayload remove(const FileDeletePayload& request);
  // Drops the transfers of a closed connection / of every connection.
  void drop_connection(const void* connection);
  void drop_all();

 private:
  struct Incoming;
  using Key = std::pair<const void*, std::uint64_t>;

  std::string dest_path_;
  std::uint64_t max_file_size_ = 0;
  std::size_t max_chunk_ = 0;
  std::map<Key, std::shared_ptr<Incoming>> incoming_;
};

}  // namespace picos::net
