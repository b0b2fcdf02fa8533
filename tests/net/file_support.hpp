#pragma once
// Files for the file-transfer tests (file_transfer_test.cpp, hosts_files_test.cpp): content,
// permission bits and mtime set exactly, read back, and the entries of a directory tree. On
// Windows a file's permissions are only "read-only or not" and times have 100 ns steps;
// stored_mode() and stored_mtime() say what a file written with given values reads back as.

#include <doctest/doctest.h>

#if defined(_WIN32)
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/stat.h>
#endif

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace net_test {

// `size` pseudo-random bytes from `seed`.
inline std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(generator());
  return out;
}

// What a file (not followed if it is a symbolic link) reads back as.
struct FileFacts {
  std::uint32_t mode = 0;      // permission bits
  std::int64_t mtime_ns = 0;   // since 1970
  std::uint64_t identity = 0;  // inode or file index
  std::int64_t change_ns = 0;  // inode change time (ctime, Windows' ChangeTime)
};

#if defined(_WIN32)

// Windows times are 100 ns units since 1601.
constexpr std::int64_t ticks_from_1601_to_1970 = 116'444'736'000'000'000;

inline std::int64_t ns_from_ticks(std::int64_t ticks) { return (ticks - ticks_from_1601_to_1970) * 100; }

inline std::uint32_t stored_mode(std::uint32_t mode) { return (mode & 0200U) != 0 ? 0666U : 0444U; }
inline std::int64_t stored_mtime(std::int64_t ns) { return ns - ns % 100; }

inline HANDLE open_attributes(const std::filesystem::path& path, DWORD access) {
  return ::CreateFileW(path.c_str(), access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                       OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
}

inline void write_file(const std::filesystem::path& path, const std::string& content, std::uint32_t mode = 0640,
                       std::int64_t mtime_ns = 1'600'000'000'123'456'789) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
  }
  const HANDLE file = open_attributes(path, FILE_WRITE_ATTRIBUTES);
  REQUIRE(file != INVALID_HANDLE_VALUE);
  const std::int64_t ticks = mtime_ns / 100 + ticks_from_1601_to_1970;
  FILETIME written{static_cast<DWORD>(ticks), static_cast<DWORD>(ticks >> 32)};
  const BOOL set = ::SetFileTime(file, nullptr, nullptr, &written);
  ::CloseHandle(file);
  REQUIRE(set);
  REQUIRE(::SetFileAttributesW(path.c_str(), (mode & 0200U) != 0 ? FILE_ATTRIBUTE_NORMAL : FILE_ATTRIBUTE_READONLY));
}

inline FileFacts facts_of(const std::filesystem::path& path) {
  const HANDLE file = open_attributes(path, FILE_READ_ATTRIBUTES);
  REQUIRE(file != INVALID_HANDLE_VALUE);
  FILE_BASIC_INFO basic{};
  BY_HANDLE_FILE_INFORMATION identity{};
  const bool read = ::GetFileInformationByHandleEx(file, FileBasicInfo, &basic, sizeof basic) &&
                    ::GetFileInformationByHandle(file, &identity);
  ::CloseHandle(file);
  REQUIRE(read);
  FileFacts facts;
  facts.mode = (basic.FileAttributes & FILE_ATTRIBUTE_READONLY) != 0 ? 0444U : 0666U;
  facts.mtime_ns = ns_from_ticks(basic.LastWriteTime.QuadPart);
  facts.identity = (static_cast<std::uint64_t>(identity.nFileIndexHigh) << 32) | identity.nFileIndexLow;
  facts.change_ns = ns_from_ticks(basic.ChangeTime.QuadPart);
  return facts;
}

#else

inline std::uint32_t stored_mode(std::uint32_t mode) { return mode; }
inline std::int64_t stored_mtime(std::int64_t ns) { return ns; }

// Writes `content` to `path` with permission bits `mode` and modification time `mtime_ns`.
inline void write_file(const std::filesystem::path& path, const std::string& content, std::uint32_t mode = 0640,
                       std::int64_t mtime_ns = 1'600'000'000'123'456'789) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
  }
  REQUIRE(::chmod(path.c_str(), static_cast<mode_t>(mode)) == 0);
  const timespec times[2] = {{0, UTIME_NOW}, {mtime_ns / 1'000'000'000, mtime_ns % 1'000'000'000}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

inline FileFacts facts_of(const std::filesystem::path& path) {
  struct stat info {};
  REQUIRE(::lstat(path.c_str(), &info) == 0);
  FileFacts facts;
  facts.mode = static_cast<std::uint32_t>(info.st_mode) & 07777U;
  facts.mtime_ns = static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
  facts.identity = static_cast<std::uint64_t>(info.st_ino);
  facts.change_ns = static_cast<std::int64_t>(info.st_ctim.tv_sec) * 1'000'000'000 + info.st_ctim.tv_nsec;
  return facts;
}

#endif

// The whole content of `path` (empty when it cannot be read).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every entry below `root`, recursively (partial files included).
inline std::vector<std::string> entries(const std::filesystem::path& root) {
  std::vector<std::string> out;
  if (!std::filesystem::exists(root)) return out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    out.push_back(std::filesystem::relative(entry.path(), root).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace net_test
