#pragma once
// The chat_sock_server example as a child process (the binary is built for the tests and found
// through PICOS_CHAT_SERVER), shared by the chat tests.

#include <picos/subprocess.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace io_test {

struct ChatServer {
  picos::Subprocess process;
  std::uint16_t port = 0;

  explicit ChatServer(std::vector<std::string> extra = {}) {
    const char* binary = std::getenv("PICOS_CHAT_SERVER");
    REQUIRE(binary != nullptr);
    std::vector<std::string> argv{binary, "--port", "0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process = picos::Subprocess::spawn(argv);
    const std::string banner = process.readline(std::chrono::seconds(30));  // "chat server listening on PORT"
    REQUIRE(banner.rfind("chat server listening on ", 0) == 0);
    port = static_cast<std::uint16_t>(std::stoi(banner.substr(25)));
  }
  // Waits until the server logs a line containing `text`.
  void wait_log(const std::string& text) {
    while (true) {
      const std::string line = process.readline_stderr(std::chrono::seconds(30));
      REQUIRE_FALSE(line.empty());
      if (line.find(text) != std::string::npos) return;
    }
  }
  // Waits until the server logs that `count` clients are online.
  void wait_online(int count) { wait_log("(" + std::to_string(count) + " online)"); }
  ~ChatServer() {
    process.kill();
    (void)process.wait(std::chrono::seconds(30));
  }
};

}  // namespace io_test
