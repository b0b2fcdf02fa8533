#pragma once
/// @file file_transfer.hpp
/// The outcome of Node::send_file and Node::del_file: a status that says why a call failed and
/// a readable reason.

#include <cstdint>
#include <string>

namespace picos {

/// How a file transfer or deletion ended.
enum class FileStatus : std::uint8_t {
  ok,            ///< Stored (or the same file was already there), or deleted.
  bad_source,    ///< send_file: the local file cannot be opened or read, or is not a regular file.
  refused_path,  ///< dir or file name breaks the path rules (absolute, "..", a symbolic link or a
                 ///< non-directory on the way, a symbolic link or non-regular file as the target).
  too_large,     ///< The file is larger than the receiver's max_file_size (refused before any data).
  exists,        ///< A different file is there and overwrite was false.
  not_found,     ///< del_file: there is no such file.
  unknown_peer,  ///< The location is not an online peer (or is this node).
  timed_out,     ///< The timeout passed; the receiver drops what it got.
  disconnected,  ///< The peer went offline during the call.
  busy,          ///< The receiver has too many transfers from this node in progress.
  io_error,      ///< A file-system call failed on either side (the reason has the error text), or
                 ///< the peer answered something malformed.
};

/// The result of Node::send_file / Node::del_file.
struct FileResult {
  /// What happened.
  FileStatus status = FileStatus::ok;
  /// Why it failed, readable (which path, which rule, the errno text); empty on success.
  std::string reason;
  /// File bytes sent to the peer; 0 when the peer already had the same file.
  std::uint64_t bytes_sent = 0;

  /// True for FileStatus::ok. Never throws.
  [[nodiscard]] bool ok() const noexcept { return status == FileStatus::ok; }
  /// Same as ok(). Never throws.
  explicit operator bool() const noexcept { return ok(); }
};

/// The name of `status` ("ok", "refused_path", ...). Never throws.
[[nodiscard]] const char* to_string(FileStatus status) noexcept;

}  // namespace picos
