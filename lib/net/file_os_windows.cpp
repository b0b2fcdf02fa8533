// file_os.hpp on Windows. Win32 has no *at() calls, so every open Directory keeps a handle that
// shares reading and writing but not deletion: while it is held, no one can rename, delete or
// replace that directory, since all three need delete access to it. DirChain keeps the whole chain
// open (directories_need_ancestors), so the full path of each held directory keeps naming it, and
// the calls on names use those full paths. They are in the \\?\ form, which Win32 passes to the
// file system unchanged (no '/' to '\' rewriting, no ".." or trailing-dot processing, no MAX_PATH
// limit), and start from the final path of dest_path's handle, so even a link at dest_path itself
// cannot be retargeted under us.
#include "net/file_os.hpp"

#include "io/windows_text.hpp"
#include "poller/winsock.hpp"

#include <algorithm>
#include <cerrno>
#include <cctype>
#include <string_view>
#include <system_error>

namespace picos::net {
namespace {

using detail::as_fd;
using detail::as_handle;

// FILETIME counts 100 ns ticks since 1601-01-01; this many of them come before 1970-01-01.
constexpr std::int64_t ticks_before_1970 = 116'444'736'000'000'000;
constexpr std::int64_t nanoseconds_per_tick = 100;
constexpr std::uint32_t owner_write = 0200;
constexpr std::uint32_t read_only_mode = 0444;
constexpr std::uint32_t writable_mode = 0666;
// Held directories share everything but deletion, which renaming and removing them need.
constexpr DWORD directory_share = FILE_SHARE_READ | FILE_SHARE_WRITE;
// Files share deletion too, as POSIX files do: an open file can be renamed or deleted.
constexpr DWORD file_share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
// The attributes SetFileInformationByHandle(FileBasicInfo) may be given back.
constexpr DWORD settable_attributes = FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM |
                                      FILE_ATTRIBUTE_ARCHIVE | FILE_ATTRIBUTE_TEMPORARY | FILE_ATTRIBUTE_OFFLINE |
                                      FILE_ATTRIBUTE_NOT_CONTENT_INDEXED;

[[noreturn]] void throw_os_error(DWORD error, const std::string& what, FileStatus status = FileStatus::io_error) {
  throw FileFailure(status, what + ": " + std::system_category().message(static_cast<int>(error)));
}

bool is_missing(DWORD error) { return error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND; }

std::wstring wide(const std::string& text, FileStatus status, const std::string& what) {
  try {
    return detail::utf16_from_utf8(text, what);
  } catch (const std::system_error&) {
    throw FileFailure(status, what + ": not UTF-8");
  }
}

// Whether NTFS (through \\?\ paths) and the programs that later open the file can use `name`.
// file_paths.hpp already refused "", ".", "..", '/' and NUL.
bool valid_name(const std::string& name) {
  constexpr std::string_view reserved_characters = "<>:\"\\|?*";
  if (name.empty() || name.back() == '.' || name.back() == ' ') return false;
  for (const char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || reserved_characters.find(c) != std::string_view::npos) return false;
  }
  // Device names stay devices for Win32 whatever extension or spaces follow them ("nul .txt").
  std::string stem = name.substr(0, name.find('.'));
  while (!stem.empty() && stem.back() == ' ') stem.pop_back();
  for (char& c : stem) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (stem == "CON" || stem == "PRN" || stem == "AUX" || stem == "NUL") return false;
  const bool numbered_port = stem.size() == 4 && (stem.starts_with("COM") || stem.starts_with("LPT")) &&
                             std::isdigit(static_cast<unsigned char>(stem[3])) != 0;
  return !numbered_port;
}

// The full path of `name` in `dir`. Throws FileFailure(refused_path) for a name Windows cannot hold.
std::wstring child_path(const Directory& dir, const std::string& name) {
  const std::string refusal = "'" + name + "' cannot be a file name on Windows";
  if (!valid_name(name)) throw FileFailure(FileStatus::refused_path, refusal);
  std::wstring path = dir.path;
  if (path.empty() || path.back() != L'\\') path += L'\\';
  return path + wide(name, FileStatus::refused_path, refusal);
}

std::int64_t ticks_from_ns(std::int64_t nanoseconds) {
  std::int64_t ticks = nanoseconds / nanoseconds_per_tick;
  if (nanoseconds % nanoseconds_per_tick < 0) --ticks;
  // A time of 0 tells SetFileInformationByHandle to leave the time alone: 1601 becomes one tick later.
  return std::max<std::int64_t>(ticks + ticks_before_1970, 1);
}

std::int64_t ns_from_ticks(std::int64_t ticks) {
  constexpr std::int64_t limit = INT64_MAX / nanoseconds_per_tick;
  return std::clamp(ticks - ticks_before_1970, -limit, limit) * nanoseconds_per_tick;
}

std::uint32_t mode_of(std::uint32_t mode) { return (mode & owner_write) != 0 ? writable_mode : read_only_mode; }

// Whether the reparse point open as `handle` stands for another name (a symbolic link, a junction)
// rather than for data kept elsewhere (deduplicated or cloud files). One whose tag cannot be read
// counts as a link.
bool is_alias(HANDLE handle) {
  FILE_ATTRIBUTE_TAG_INFO tag{};
  return ::GetFileInformationByHandleEx(handle, FileAttributeTagInfo, &tag, sizeof tag) == 0 ||
         IsReparseTagNameSurrogate(tag.ReparseTag) != 0;
}

Entry entry_of(HANDLE handle, const std::string& what, FileStatus status = FileStatus::io_error) {
  if (::GetFileType(handle) != FILE_TYPE_DISK) return Entry{EntryKind::other, {}};
  BY_HANDLE_FILE_INFORMATION info{};
  if (::GetFileInformationByHandle(handle, &info) == 0) throw_os_error(::GetLastError(), what, status);
  Entry entry;
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0 && is_alias(handle)) {
    entry.kind = EntryKind::symlink;
  } else if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
    entry.kind = EntryKind::directory;
  } else {
    entry.kind = EntryKind::regular;
  }
  entry.stamp.size = (static_cast<std::uint64_t>(info.nFileSizeHigh) << 32) | info.nFileSizeLow;
  const std::uint64_t ticks =
      (static_cast<std::uint64_t>(info.ftLastWriteTime.dwHighDateTime) << 32) | info.ftLastWriteTime.dwLowDateTime;
  entry.stamp.mtime_ns = ns_from_ticks(static_cast<std::int64_t>(std::min<std::uint64_t>(ticks, INT64_MAX)));
  entry.stamp.mode = (info.dwFileAttributes & FILE_ATTRIBUTE_READONLY) != 0 ? read_only_mode : writable_mode;
  return entry;
}

// `path` made absolute in the \\?\ form, without a trailing separator (except a drive's root).
std::wstring extended_path(const std::wstring& path, const std::string& what) {
  std::wstring full(MAX_PATH, L'\0');
  for (;;) {
    const DWORD length = ::GetFullPathNameW(path.c_str(), static_cast<DWORD>(full.size()), full.data(), nullptr);
    if (length == 0) throw_os_error(::GetLastError(), what);
    const bool fits = length < full.size();
    full.resize(length);  // the length without the NUL, or the size needed with it
    if (fits) break;
  }
  while (full.size() > 1 && full.back() == L'\\' && full[full.size() - 2] != L':') full.pop_back();
  if (full.starts_with(L"\\\\?\\") || full.starts_with(L"\\\\.\\")) return full;
  if (full.starts_with(L"\\\\")) return L"\\\\?\\UNC\\" + full.substr(2);
  return L"\\\\?\\" + full;
}

// mkdir -p: Win32 makes one level at a time, so missing parents are made first.
void make_directories(const std::wstring& path, const std::string& shown) {
  if (::CreateDirectoryW(path.c_str(), nullptr) != 0) return;
  DWORD error = ::GetLastError();
  const std::size_t slash = path.find_last_of(L'\\');
  if (error == ERROR_PATH_NOT_FOUND && slash != std::wstring::npos && slash > 0) {
    make_directories(path.substr(0, slash), shown);
    if (::CreateDirectoryW(path.c_str(), nullptr) != 0) return;
    error = ::GetLastError();
  }
  if (error != ERROR_ALREADY_EXISTS) throw_os_error(error, "cannot create " + shown);
}

// Where the directory open as `handle` really is (links resolved) in \\?\ form; `fallback` when
// the file system cannot say (a volume without a drive letter).
std::wstring final_path(HANDLE handle, const std::wstring& fallback) {
  std::wstring path(MAX_PATH, L'\0');
  for (;;) {
    const DWORD length = ::GetFinalPathNameByHandleW(handle, path.data(), static_cast<DWORD>(path.size()),
                                                     FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
    if (length == 0) return fallback;
    const bool fits = length < path.size();
    path.resize(length);
    if (fits) return path;
  }
}

// Runs `call` (true when it worked) on the file `path`, and once more after clearing its read-only
// attribute when that is what made it fail: Windows lets no one replace or delete a read-only
// file, where POSIX ignores the file's mode. The Win32 error of the last try, 0 when it worked.
template <class Call>
DWORD despite_read_only(const std::wstring& path, Call call) {
  if (call()) return 0;
  const DWORD error = ::GetLastError();
  const DWORD attributes = ::GetFileAttributesW(path.c_str());
  constexpr DWORD not_a_file = FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT;
  if (error != ERROR_ACCESS_DENIED || attributes == INVALID_FILE_ATTRIBUTES ||
      (attributes & FILE_ATTRIBUTE_READONLY) == 0 || (attributes & not_a_file) != 0) {
    return error;
  }
  const DWORD writable = attributes & ~FILE_ATTRIBUTE_READONLY;
  if (::SetFileAttributesW(path.c_str(), writable != 0 ? writable : FILE_ATTRIBUTE_NORMAL) == 0) return error;
  if (call()) return 0;
  const DWORD again = ::GetLastError();
  (void)::SetFileAttributesW(path.c_str(), attributes);
  return again;
}

}  // namespace

void OwnedHandle::reset() noexcept {
  if (handle_ != -1) ::CloseHandle(as_handle(std::exchange(handle_, -1)));
}

Directory open_root_directory(const std::string& dest_path, bool create) {
  const std::string cannot_open = "cannot open " + dest_path;
  const std::wstring path = extended_path(wide(dest_path, FileStatus::io_error, cannot_open), cannot_open);
  if (create) make_directories(path, dest_path);
  const HANDLE handle = ::CreateFileW(path.c_str(), FILE_LIST_DIRECTORY, directory_share, nullptr, OPEN_EXISTING,
                                     FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  if (handle == INVALID_HANDLE_VALUE) {
    const DWORD error = ::GetLastError();
    if (is_missing(error)) throw FileFailure(FileStatus::not_found, "no directory " + dest_path);
    throw_os_error(error, cannot_open);
  }
  Directory root{OwnedHandle(as_fd(handle)), {}};
  if (entry_of(handle, cannot_open).kind != EntryKind::directory) {
    throw FileFailure(FileStatus::io_error, cannot_open + ": " + std::generic_category().message(ENOTDIR));
  }
  root.path = final_path(handle, path);
  return root;
}

ChildDirectory open_child_directory(const Directory& parent, const std::string& name, bool create,
                                    const std::string& path) {
  ChildDirectory child;
  child.directory.path = child_path(parent, name);
  const wchar_t* full = child.directory.path.c_str();
  if (create) {
    if (::CreateDirectoryW(full, nullptr) != 0) {
      child.created = true;
    } else if (const DWORD error = ::GetLastError(); error != ERROR_ALREADY_EXISTS) {
      throw_os_error(error, "cannot create " + path);
    }
  }
  // FILE_FLAG_OPEN_REPARSE_POINT opens a link itself, not what it leads to.
  const HANDLE handle = ::CreateFileW(full, FILE_LIST_DIRECTORY, directory_share, nullptr, OPEN_EXISTING,
                                     FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
  if (handle == INVALID_HANDLE_VALUE) {
    const DWORD error = ::GetLastError();
    if (is_missing(error)) throw FileFailure(FileStatus::not_found, "no directory " + path);
    throw_os_error(error, "cannot open " + path);
  }
  child.directory.handle = OwnedHandle(as_fd(handle));
  switch (entry_of(handle, "cannot open " + path).kind) {
    case EntryKind::directory: return child;
    case EntryKind::symlink: throw FileFailure(FileStatus::refused_path, path + " is a symbolic link");
    default: throw FileFailure(FileStatus::refused_path, path + " is not a directory");
  }
}

bool remove_empty_directory(const Directory& /*parent*/, const std::string& /*name*/, Directory child) noexcept {
  // Our own handle forbids the deletion: it goes first. The parent, still held, keeps the path.
  child.handle.reset();
  return ::RemoveDirectoryW(child.path.c_str()) != 0;
}

bool directories_need_ancestors() noexcept { return true; }

Entry inspect_entry(const Directory& dir, const std::string& name, const std::string& path) {
  const std::wstring full = child_path(dir, name);
  const HANDLE handle = ::CreateFileW(full.c_str(), FILE_READ_ATTRIBUTES, file_share, nullptr, OPEN_EXISTING,
                                     FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
  if (handle == INVALID_HANDLE_VALUE) {
    const DWORD error = ::GetLastError();
    if (is_missing(error)) return Entry{};
    throw_os_error(error, "cannot inspect " + path);
  }
  const OwnedHandle owned(as_fd(handle));
  return entry_of(handle, "cannot inspect " + path);
}

OwnedHandle create_new_file(const Directory& dir, const std::string& name, const std::string& what) {
  const std::wstring full = child_path(dir, name);
  // CREATE_NEW fails on any existing name, a link included, without following it.
  const HANDLE handle = ::CreateFileW(full.c_str(), GENERIC_WRITE | FILE_READ_ATTRIBUTES, file_share, nullptr,
                                     CREATE_NEW, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OVERLAPPED, nullptr);
  if (handle == INVALID_HANDLE_VALUE) throw_os_error(::GetLastError(), what);
  return OwnedHandle(as_fd(handle));
}

void set_mode_and_mtime(int file, std::uint32_t mode, std::int64_t mtime_ns, const std::string& path) {
  const HANDLE handle = as_handle(file);
  const std::string what = "cannot set the mode and mtime of " + path;
  FILE_BASIC_INFO info{};
  if (::GetFileInformationByHandleEx(handle, FileBasicInfo, &info, sizeof info) == 0) {
    throw_os_error(::GetLastError(), what);
  }
  DWORD attributes = info.FileAttributes & settable_attributes & ~FILE_ATTRIBUTE_READONLY;
  if ((mode & owner_write) == 0) attributes |= FILE_ATTRIBUTE_READONLY;
  // Zero times and attributes mean "leave as they are".
  info.CreationTime.QuadPart = 0;
  info.LastAccessTime.QuadPart = 0;
  info.ChangeTime.QuadPart = 0;
  info.LastWriteTime.QuadPart = ticks_from_ns(mtime_ns);
  info.FileAttributes = attributes != 0 ? attributes : FILE_ATTRIBUTE_NORMAL;
  if (::SetFileInformationByHandle(handle, FileBasicInfo, &info, sizeof info) == 0) {
    throw_os_error(::GetLastError(), what);
  }
}

FileStamp as_stored(const FileStamp& stamp) noexcept {
  return FileStamp{stamp.size, ns_from_ticks(ticks_from_ns(stamp.mtime_ns)), mode_of(stamp.mode)};
}

void rename_over(const Directory& dir, const std::string& from, const std::string& to, const std::string& what) {
  const std::wstring source = child_path(dir, from);
  const std::wstring target = child_path(dir, to);
  const DWORD error = despite_read_only(target, [&] {
    return ::MoveFileExW(source.c_str(), target.c_str(), MOVEFILE_REPLACE_EXISTING) != 0;
  });
  if (error != 0) throw_os_error(error, what);
}

bool rename_if_absent(const Directory& dir, const std::string& from, const std::string& to, const std::string& what) {
  const std::wstring source = child_path(dir, from);
  const std::wstring target = child_path(dir, to);
  // Without MOVEFILE_REPLACE_EXISTING the file system fails atomically when `to` exists.
  if (::MoveFileExW(source.c_str(), target.c_str(), 0) != 0) return true;
  const DWORD error = ::GetLastError();
  if (error == ERROR_ALREADY_EXISTS || error == ERROR_FILE_EXISTS) return false;
  throw_os_error(error, what);
}

void remove_file(const Directory& dir, const std::string& name, const std::string& what) {
  const std::wstring path = child_path(dir, name);
  const DWORD error = despite_read_only(path, [&] { return ::DeleteFileW(path.c_str()) != 0; });
  if (error != 0) throw_os_error(error, what);
}

SourceFile open_source_file(const std::string& path) {
  const std::string what = "cannot open " + path;
  const std::wstring full = wide(path, FileStatus::bad_source, what);
  // Backup semantics open a directory too, which is then reported as not a regular file.
  const HANDLE handle = ::CreateFileW(full.c_str(), GENERIC_READ, file_share, nullptr, OPEN_EXISTING,
                                     FILE_FLAG_OVERLAPPED | FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  if (handle == INVALID_HANDLE_VALUE) throw_os_error(::GetLastError(), what, FileStatus::bad_source);
  SourceFile source{OwnedHandle(as_fd(handle)), {}};
  source.entry = entry_of(handle, what, FileStatus::bad_source);
  return source;
}

std::string temp_directory() {
  std::wstring path(MAX_PATH + 1, L'\0');  // GetTempPathW's largest answer
  const DWORD length = ::GetTempPathW(static_cast<DWORD>(path.size()), path.data());
  if (length == 0 || length > path.size()) return {};
  path.resize(length);
  if (path.size() > 3 && path.back() == L'\\') path.pop_back();  // "C:\" keeps its separator
  const int units = static_cast<int>(path.size());
  const int size = ::WideCharToMultiByte(CP_UTF8, 0, path.data(), units, nullptr, 0, nullptr, nullptr);
  if (size <= 0) return {};
  std::string text(static_cast<std::size_t>(size), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, path.data(), units, text.data(), size, nullptr, nullptr);
  return text;
}

}  // namespace picos::net
