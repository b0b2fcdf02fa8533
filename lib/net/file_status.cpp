#include <picos/file_transfer.hpp>

namespace picos {

const char* to_string(FileStatus status) noexcept {
  switch (status) {
    case FileStatus::ok: return "ok";
    case FileStatus::bad_source: return "bad_source";
    case FileStatus::refused_path: return "refused_path";
    case FileStatus::too_large: return "too_large";
    case FileStatus::exists: return "exists";
    case FileStatus::not_found: return "not_found";
    case FileStatus::unknown_peer: return "unknown_peer";
    case FileStatus::timed_out: return "timed_out";
    case FileStatus::disconnected: return "disconnected";
    case FileStatus::busy: return "busy";
    case FileStatus::io_error: return "io_error";
  }
  return "unknown";
}

}  // namespace picos
