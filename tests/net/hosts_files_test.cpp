// Multi-host tests (suite "hosts"): send_file and del_file between lab hosts (network namespaces,
// see netns_support.hpp), with the receiver's refusals (a path leaving dest_path, a file over
// max_file_size). Both nodes belong to this process, each opened in its own host's namespace.
#include "file_support.hpp"
#include "hosts_support.hpp"
#include "temp_dir.hpp"

#include <picos/node.hpp>

#include <doctest/doctest.h>

#include <filesystem>

using namespace net_test;
using picos::FileStatus;
namespace fs = std::filesystem;

TEST_SUITE("hosts") {

TEST_CASE("across hosts a file is sent, kept when unchanged, deleted, and paths outside or files too large are refused") {
  NetnsLab lab(2);
  if (!lab_ready(lab)) return;
  TempDir dir("picos-hosts-files");
  fs::create_directories(dir / "src");
  picos::NodeOptions options = host_options("receiver");
  options.dest_path = (dir / "dest").string();
  options.max_file_size = 1024 * 1024;
  const auto receiver = node_on(lab, 1, options);
  const auto sender = node_on(lab, 0, "sender");
  const picos::Location to = receiver->location();
  REQUIRE(has_peers(*sender, {to}, 10s));

  const std::string content = random_bytes(700 * 1024, 7);
  write_file(dir / "src" / "data.bin", content, 0604);
  auto sent = sender->send_file(to, (dir / "src" / "data.bin").string(), "in/here", false, 30s);
  CHECK_MESSAGE(sent.ok(), sent.reason);
  CHECK(sent.bytes_sent == content.size());
  CHECK(read_file(dir / "dest" / "in" / "here" / "data.bin") == content);
  CHECK((fs::status(dir / "dest" / "in" / "here" / "data.bin").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read));
  // The same file again: nothing travels.
  sent = sender->send_file(to, (dir / "src" / "data.bin").string(), "in/here", false, 30s);
  CHECK_MESSAGE(sent.ok(), sent.reason);
  CHECK(sent.bytes_sent == 0);

  // A directory that climbs out of dest_path is refused, and nothing appears outside it.
  sent = sender->send_file(to, (dir / "src" / "data.bin").string(), "../outside", false, 10s);
  CHECK(sent.status == FileStatus::refused_path);
  CHECK_FALSE(fs::exists(dir / "outside"));
  CHECK(sender->del_file(to, "data.bin", "in/../../src", 10s).status == FileStatus::refused_path);
  CHECK(fs::exists(dir / "src" / "data.bin"));

  // Over the receiver's max_file_size: refused before any data, no file left.
  write_file(dir / "src" / "big.bin", random_bytes(1024 * 1024 + 1, 8));
  sent = sender->send_file(to, (dir / "src" / "big.bin").string(), "in", false, 10s);
  CHECK(sent.status == FileStatus::too_large);
  CHECK(sent.bytes_sent == 0);
  CHECK(entries(dir / "dest") == std::vector<std::string>{"in", "in/here", "in/here/data.bin"});

  auto deleted = sender->del_file(to, "data.bin", "in/here", 10s);
  CHECK_MESSAGE(deleted.ok(), deleted.reason);
  CHECK(entries(dir / "dest").empty());
  CHECK(sender->del_file(to, "data.bin", "in/here", 10s).status == FileStatus::not_found);
}

}  // TEST_SUITE("hosts")
