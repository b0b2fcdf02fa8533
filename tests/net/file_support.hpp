#pragma once
// Files for the file-transfer tests (file_transfer_test.cpp, hosts_files_test.cpp): content,
// permission bits and mtime set exactly, read back, and the entries of a directory tree.

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>

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

// Writes `content` to `path` with permission bits `mode` and modification time `mtime_ns`.
inline void write_file(const std::filesystem::path& path, const std::string& content, mode_t mode = 0640,
                       std::int64_t mtime_ns = 1'600'000'000'123'456'789) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
  }
  REQUIRE(::chmod(path.c_str(), mode) == 0);
  const timespec times[2] = {{0, UTIME_NOW}, {mtime_ns / 1'000'000'000, mtime_ns % 1'000'000'000}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

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
    out.push_back(std::filesystem::relative(entry.path(), root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace net_test
