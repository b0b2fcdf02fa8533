#pragma once
// Payloads of the file transfer frames (kinds file_offer .. file_reply; docs/protocol.md).

#include <picos/file_transfer.hpp>
#include <picos/serialization.hpp>

#include <cstdint>
#include <string>

namespace picos::net {

// kind file_offer: the sender announces a file; the receiver answers with a file_reply (ready,
// done when it has the same file already, or failed) before any data flows.
struct FileOfferPayload {
  std::uint64_t request_id = 0;  // also names the transfer in its chunks and replies
  std::string dir;
  std::string name;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;  // nanoseconds since the epoch
  std::uint32_t mode = 0;     // permission bits (0777 of st_mode)
  bool overwrite = false;
  template <class A>
  void serialize(A& a) { a(request_id, dir, name, size, mtime_ns, mode, overwrite); }
};

// kind file_chunk: the next bytes of an accepted transfer, in order (`offset` = bytes sent before).
// `data` is a std::string because cereal writes and reads strings as one block (a vector of
// std::byte goes element by element); on the wire both are a u64 length and the bytes.
struct FileChunkPayload {
  std::uint64_t request_id = 0;
  std::uint64_t offset = 0;
  std::string data;
  template <class A>
  void serialize(A& a) { a(request_id, offset, data); }
};

// kind file_cancel: the sender gives up a transfer (timeout, read error); no reply.
struct FileCancelPayload {
  std::uint64_t request_id = 0;
  template <class A>
  void serialize(A& a) { a(request_id); }
};

// kind file_delete: delete dest_path/dir/name.
struct FileDeletePayload {
  std::uint64_t request_id = 0;
  std::string dir;
  std::string name;
  template <class A>
  void serialize(A& a) { a(request_id, dir, name); }
};

// What a file_reply says.
enum class FileStep : std::uint8_t {
  ready = 1,     // offer accepted: send chunks of at most `value` bytes
  progress = 2,  // a chunk is stored: `value` bytes so far
  done = 3,      // the file is stored (or was already there) / deleted
  failed = 4,    // `status` and `reason` say why; the transfer is over
};

// kind file_reply: answers file_offer, file_chunk and file_delete.
struct FileReplyPayload {
  std::uint64_t request_id = 0;
  std::uint8_t step = 0;    // a FileStep
  std::uint8_t status = 0;  // a FileStatus, meaningful when failed
  std::uint64_t value = 0;
  std::string reason;
  template <class A>
  void serialize(A& a) { a(request_id, step, status, value, reason); }
};

inline constexpr std::uint8_t last_file_status = static_cast<std::uint8_t>(FileStatus::io_error);

}  // namespace picos::net
