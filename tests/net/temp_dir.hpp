#pragma once
// A fresh directory under the system's temporary directory for one test, removed with its
// contents when the test ends (also when it fails).

#include <unistd.h>

#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace net_test {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "picos-net-test") {
    std::random_device entropy;
    for (int attempt = 0; attempt < 100; ++attempt) {
      path_ = std::filesystem::temp_directory_path() /
              (std::string(prefix) + '-' + std::to_string(::getpid()) + '-' + std::to_string(entropy()));
      if (std::filesystem::create_directory(path_)) return;  // false: the name was taken
    }
    throw std::runtime_error("cannot make a fresh directory under " + std::filesystem::temp_directory_path().string());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace net_test
