// picos::AsyncFile.
#include "core/scheduler_core.hpp"
#include "io/file_os.hpp"
#include "io/io_ops.hpp"
#include "poller/io_errors.hpp"

#include <picos/file.hpp>
#include <picos/thread_pool.hpp>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace picos {
namespace {

// Regular-file I/O at `offset` from wherever we are: a completion backend (io_uring, iocp), the
// pool, or the calling thread.
std::size_t positioned(detail::IoHandle& handle, bool write, char* data, std::size_t size, std::uint64_t offset,
                       std::int64_t deadline) {
  detail::Poller* poller = detail::poller_for(handle, false);
  if (poller != nullptr && poller->async_files()) {
    return write ? poller->write_at(handle, data, size, offset, deadline)
                 : poller->read_at(handle, data, size, offset, deadline);
  }
  auto call = [fd = handle.fd, write, size, offset](std::string bytes) -> std::pair<std::int64_t, std::string> {
    if (!write) bytes.resize(size);
    const std::int64_t n = detail::positioned_blocking(fd, write, bytes.data(), bytes.size(), offset);
    if (n < 0) return {n, {}};
    if (!write) bytes.resize(static_cast<std::size_t>(n));
    return {n, std::move(bytes)};
  };
  // Jobs get their own heap copy of the bytes: the caller's buffer may be on a compact stack.
  std::string input = write ? std::string(data, size) : std::string();
  auto [n, output] = poller != nullptr ? ThreadPool::shared().run(call, std::move(input)) : call(std::move(input));
  if (n < 0) detail::throw_errno(static_cast<int>(-n), write ? "pwrite" : "pread");
  if (!write) std::memcpy(data, output.data(), output.size());
  return static_cast<std::size_t>(n);
}

}  // namespace

AsyncFile::AsyncFile() noexcept = default;

AsyncFile::AsyncFile(int fd, bool own) : own_(own) {
  const detail::FileFacts facts = detail::describe_file(fd, !own);
  saved_flags_ = facts.saved_flags;
  regular_ = facts.regular;
  if (!regular_) {
    handle_ = detail::make_handle(fd, facts.socket);
  } else {
    handle_ = std::make_shared<detail::IoHandle>(fd, false);
    handle_->regular_file = true;
    append_ = facts.append;
  }
}

AsyncFile AsyncFile::open(const std::string& path, std::string_view mode, int permissions) {
  AsyncFile file(detail::open_file(path, mode, permissions), true);
  // Windows cannot tell from a handle that it was opened for appending.
  file.append_ = file.regular_ && !mode.empty() && mode[0] == 'a';
  return file;
}

AsyncFile::AsyncFile(AsyncFile&& other) noexcept
    : handle_(std::move(other.handle_)),
      own_(other.own_),
      regular_(other.regular_),
      append_(other.append_),
      saved_flags_(other.saved_flags_),
      offset_(other.offset_),
      buffered_(std::move(other.buffered_)),
      timeout_(other.timeout_) {}

AsyncFile& AsyncFile::operator=(AsyncFile&& other) noexcept {
  if (this != &other) {
    close();
    handle_ = std::move(other.handle_);
    own_ = other.own_;
    regular_ = other.regular_;
    append_ = other.append_;
    saved_flags_ = other.saved_flags_;
    offset_ = other.offset_;
    buffered_ = std::move(other.buffered_);
    timeout_ = other.timeout_;
  }
  return *this;
}

AsyncFile::~AsyncFile() { close(); }

void AsyncFile::close() noexcept {
  if (!handle_) return;
  if (own_) {
    detail::close_handle(handle_);
  } else {
    if (handle_->core != nullptr && handle_->core->is_loop_thread()) handle_->core->poller().unbind(*handle_);
    handle_->closed = true;
    detail::restore_file(handle_->fd, saved_flags_);
  }
  handle_.reset();
}

bool AsyncFile::is_open() const noexcept { return handle_ && !handle_->closed; }
int AsyncFile::native_handle() const noexcept { return is_open() ? handle_->fd : -1; }

std::size_t AsyncFile::read_some(char* data, std::size_t size, std::int64_t deadline) {
  if (!buffered_.empty()) {
    const std::size_t n = std::min(size, buffered_.size());
    std::memcpy(data, buffered_.data(), n);
    buffered_.erase(0, n);
    return n;
  }
  return read_raw(data, size, deadline);
}

std::size_t AsyncFile::read_raw(char* data, std::size_t size, std::int64_t deadline) {
  if (!is_open()) detail::throw_errno(EBADF, "read");
  auto handle = handle_;
  if (!regular_) return detail::io_read(*handle, false, data, size, deadline);
  const std::size_t n = positioned(*handle, false, data, size, offset_, deadline);
  offset_ += n;
  return n;
}

std::size_t AsyncFile::fill(std::int64_t deadline) {
  char chunk[4096];
  const std::size_t n = read_raw(chunk, sizeof chunk, deadline);
  buffered_.append(chunk, n);
  return n;
}

std::string AsyncFile::read(std::size_t max_bytes, CallTimeout timeout) {
  std::string data(max_bytes, '\0');
  data.resize(read_some(data.data(), max_bytes, detail::call_deadline(timeout, timeout_)));
  return data;
}

std::string AsyncFile::read_full(std::size_t bytes, CallTimeout timeout) {
  const std::int64_t deadline = detail::call_deadline(timeout, timeout_);
  std::string data(bytes, '\0');
  std::size_t got = 0;
  while (got < bytes) {
    const std::size_t n = read_some(data.data() + got, bytes - got, deadline);
    if (n == 0) break;
    got += n;
  }
  data.resize(got);
  return data;
}

std::string AsyncFile::read_all(CallTimeout timeout) {
  const std::int64_t deadline = detail::call_deadline(timeout, timeout_);
  while (fill(deadline) > 0) {
  }
  return std::exchange(buffered_, std::string());
}

std::string AsyncFile::readline(CallTimeout timeout, std::size_t max_bytes) {
  const std::int64_t deadline = detail::call_deadline(timeout, timeout_);
  std::size_t scanned = 0;
  while (true) {
    const std::size_t end = buffered_.find('\n', scanned);
    if (end != std::string::npos && end < max_bytes) {
      std::string line = buffered_.substr(0, end + 1);
      buffered_.erase(0, end + 1);
      return line;
    }
    if (buffered_.size() >= max_bytes) {
      throw std::system_error(std::make_error_code(std::errc::message_size), "picos: readline: line too long");
    }
    scanned = buffered_.size();
    if (fill(deadline) == 0) return std::exchange(buffered_, std::string());
  }
}

void AsyncFile::write(std::string_view data, CallTimeout timeout) {
  if (!is_open()) detail::throw_errno(EBADF, "write");
  const std::int64_t deadline = detail::call_deadline(timeout, timeout_);
  auto handle = handle_;
  std::size_t done = 0;
  while (done < data.size()) {
    char* at = const_cast<char*>(data.data()) + done;
    if (!regular_) {
      done += detail::io_write(*handle, false, at, data.size() - done, deadline);
    } else {
      const std::uint64_t at_offset = append_ ? detail::append_offset(offset_) : offset_;
      const std::size_t n = positioned(*handle, true, at, data.size() - done, at_offset, deadline);
      if (!append_) offset_ += n;
      done += n;
    }
  }
}

}  // namespace picos
