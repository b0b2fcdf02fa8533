#include "poller/poller.hpp"

#include "poller/io_errors.hpp"
#include "poller/io_handle.hpp"

#include <cerrno>

namespace picos::detail {

Poller::~Poller() {
  for (IoHandle* handle : bound_) {
    handle->core = nullptr;
    handle->bound_index = SIZE_MAX;
    handle->registered = false;
    handle->armed_index = SIZE_MAX;
  }
}

void Poller::bind(IoHandle& handle) {
  handle.bound_index = bound_.size();
  bound_.push_back(&handle);
}

void Poller::unbind(IoHandle& handle) noexcept {
  release(handle);
  const std::size_t index = handle.bound_index;
  if (index == SIZE_MAX) return;
  bound_[index] = bound_.back();
  bound_[index]->bound_index = index;
  bound_.pop_back();
  handle.bound_index = SIZE_MAX;
}

std::size_t Poller::read_at(IoHandle&, void*, std::size_t, std::uint64_t, std::int64_t) {
  throw_errno(EOPNOTSUPP, "read_at: this poller has no asynchronous file I/O");
}

std::size_t Poller::write_at(IoHandle&, const void*, std::size_t, std::uint64_t, std::int64_t) {
  throw_errno(EOPNOTSUPP, "write_at: this poller has no asynchronous file I/O");
}

}  // namespace picos::detail
