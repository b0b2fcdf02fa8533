#pragma once
/// @file file.hpp
/// picos::AsyncFile: reading and writing pipes, terminals, sockets and regular files without
/// blocking the scheduler (pycos AsyncFile).
///
/// Pipes, terminals and sockets use the poller's operations. Regular files never "block" in the
/// readiness sense, so they go through a completion backend (io_uring, iocp) when it is the
/// scheduler's, else through ThreadPool::shared(). Calls from plain threads block the thread.
/// Windows: open() opens files for overlapped I/O; an adopted pipe handle must have been opened
/// with FILE_FLAG_OVERLAPPED and is served only by the iocp backend (select throws
/// std::errc::operation_not_supported for it, as does a plain thread). Every [B] call takes a timeout
/// (default: the file's timeout, set_timeout(), default none) reported as
/// std::system_error(std::errc::timed_out); other failures throw std::system_error with the errno;
/// end of file is an empty result. close() wakes waiting tasks with operation_canceled.

#include <picos/socket.hpp>
#include <picos/timeout.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace picos {

class AsyncFile {
 public:
  /// A closed file.
  AsyncFile() noexcept;
  /// Adopts `fd` (on Windows a HANDLE or SOCKET kept in an int). With `own` the destructor closes
  /// it; without, the fd stays open and its file status flags (made non-blocking while in use) are
  /// restored by close(). Never blocks.
  explicit AsyncFile(int fd, bool own = true);
  /// Opens `path` with a C stdio-like `mode`: "r", "w" (create/truncate), "a" (append), "r+",
  /// "w+", "a+". `permissions` apply to a created file on POSIX (Windows ignores them). Throws
  /// std::invalid_argument for another mode, std::system_error naming the path when the OS refuses.
  static AsyncFile open(const std::string& path, std::string_view mode = "r", int permissions = 0644);
  AsyncFile(AsyncFile&& other) noexcept;
  AsyncFile& operator=(AsyncFile&& other) noexcept;
  ~AsyncFile();

  /// [B] Up to `max_bytes` bytes (waiting for at least one); empty at end of file.
  std::string read(std::size_t max_bytes, CallTimeout timeout = {});
  /// [B] Exactly `bytes` bytes unless the file ends first (pycos read(size, full=True)).
  std::string read_full(std::size_t bytes, CallTimeout timeout = {});
  /// [B] Everything up to end of file.
  std::string read_all(CallTimeout timeout = {});
  /// [B] One line including its '\n' (the last may lack it); empty at end of file. Lines longer
  /// than `max_bytes` throw std::system_error(std::errc::message_size).
  std::string readline(CallTimeout timeout = {}, std::size_t max_bytes = 1 << 20);
  /// [B] Writes all of `data`.
  void write(std::string_view data, CallTimeout timeout = {});

  /// Closes (or releases a non-owned fd); wakes waiting tasks. Idempotent. [N]
  void close() noexcept;
  [[nodiscard]] bool is_open() const noexcept;
  [[nodiscard]] int native_handle() const noexcept;
  /// True for a regular file (positioned reads/writes through io_uring, iocp or the thread pool).
  [[nodiscard]] bool is_regular() const noexcept { return regular_; }
  void set_timeout(Timeout timeout) noexcept { timeout_ = timeout; }
  [[nodiscard]] Timeout timeout() const noexcept { return timeout_; }

 private:
  std::size_t read_some(char* data, std::size_t size, std::int64_t deadline);
  std::size_t read_raw(char* data, std::size_t size, std::int64_t deadline);  // bypasses buffered_
  std::size_t fill(std::int64_t deadline);

  std::shared_ptr<detail::IoHandle> handle_;
  bool own_ = true;
  bool regular_ = false;
  bool append_ = false;
  int saved_flags_ = -1;
  std::uint64_t offset_ = 0;
  std::string buffered_;
  Timeout timeout_;
};

}  // namespace picos
