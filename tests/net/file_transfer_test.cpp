// File transfer between nodes (Node::send_file / del_file), the path rules (file_paths.hpp) and
// the receiver's handling of abandoned transfers (file_receiver.hpp). Everything happens in fresh
// temporary directories on loopback.
#include "net/file_paths.hpp"
#include "net/file_receiver.hpp"
#include "net/frame_stream.hpp"
#include "file_support.hpp"
#include "net_support.hpp"
#include "temp_dir.hpp"

#include <picos/node.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <thread>
#include <variant>

using namespace net_test;
using picos::FileResult;
using picos::FileStatus;
using picos::Node;
namespace fs = std::filesystem;
namespace net = picos::net;

namespace {

using net_test::TempDir;

bool has_partial_file(const fs::path& root) {
  for (const std::string& entry : entries(root)) {
    if (entry.find(net::partial_file_prefix) != std::string::npos) return true;
  }
  return false;
}

// Two nodes on loopback: `sender` is a peer of `receiver`, whose dest_path is dest/.
struct TwoNodes {
  explicit TwoNodes(std::uint64_t max_file_size = 0, std::size_t receiver_max_frame = 16 * 1024 * 1024) {
    picos::NodeOptions options = loopback_options("receiver");
    options.dest_path = (dir / "dest").string();
    options.max_file_size = max_file_size;
    options.max_frame_size = receiver_max_frame;
    receiver = std::make_unique<Node>(options);
    sender = std::make_unique<Node>(loopback_options("sender"));
    REQUIRE(sender->peer(receiver->location(), 5s));
  }
  TempDir dir;
  std::unique_ptr<Node> receiver;
  std::unique_ptr<Node> sender;
  [[nodiscard]] fs::path dest() const { return dir / "dest"; }
};

void check_status(const FileResult& result, FileStatus expected) {
  INFO("status ", picos::to_string(result.status), ": ", result.reason);
  CHECK(result.status == expected);
}

}  // namespace

TEST_CASE("the file path rules accept relative directories and refuse '..', absolute paths, NUL and reserved names") {
  auto accepted = net::file_target("/d", "a/./b//c/", "f.txt");
  REQUIRE(std::holds_alternative<net::FileTarget>(accepted));
  const auto& target = std::get<net::FileTarget>(accepted);
  CHECK(target.dirs == std::vector<std::string>{"a", "b", "c"});
  CHECK(target.name == "f.txt");
  CHECK(target.path == "/d/a/b/c/f.txt");
  CHECK(std::get<net::FileTarget>(net::file_target("/d", "", "f")).path == "/d/f");

  const std::pair<std::string, std::string> refused[] = {
      {"..", "f"},        {"a/../../x", "f"}, {"a/..", "f"},   {"/abs", "f"},  {"/", "f"},
      {"a", ".."},        {"a", "."},         {"a", ""},       {"a", "x/y"},   {std::string("a\0b", 3), "f"},
      {"a", std::string("f\0", 2)}, {"a", ".picos-part-0123"}, {std::string(300, 'x'), "f"},
      {"a", std::string(256, 'n')}, {std::string(2000, '/'), "f"},
  };
  for (const auto& [dir, name] : refused) {
    INFO("dir '", dir, "' name '", name, "'");
    CHECK(std::holds_alternative<net::PathRefusal>(net::file_target("/d", dir, name)));
  }
  std::string deep;
  for (int i = 0; i < 33; ++i) deep += "d/";
  CHECK(std::holds_alternative<net::PathRefusal>(net::file_target("/d", deep, "f")));

  CHECK(net::base_name("/x/y/z.bin") == "z.bin");
  CHECK(net::base_name("z.bin") == "z.bin");
  CHECK(net::base_name("x/") == "");
  CHECK(net::default_dest_path("/tmp/", "a/b") == "/tmp/picos/a_b");
  CHECK(net::default_dest_path("", "..") == "/tmp/picos/_");
}

TEST_CASE("a node's default dest_path is picos/<node name> in the system's temporary directory") {
  Node node(loopback_options("files-default"));
#if defined(_WIN32)
  const fs::path base = fs::temp_directory_path();  // GetTempPathW: %TMP%, %TEMP%, ...
#else
  const char* temp = std::getenv("TMPDIR");
  const fs::path base = temp != nullptr && *temp != '\0' ? fs::path(temp) : fs::path("/tmp");
#endif
  CHECK(fs::path(node.dest_path()).lexically_normal() == (base / "picos" / "files-default").lexically_normal());
}

TEST_CASE("send_file stores the file under the peer's dest_path with its content, mtime and mode") {
  TwoNodes nodes;
  const std::string content = random_bytes(300 * 1024 + 17, 1);  // several chunks, the last one short
  write_file(nodes.dir / "source.bin", content, 0640, 1'600'000'000'123'456'789);
  const FileResult result = nodes.sender->send_file(nodes.receiver->location(), (nodes.dir / "source.bin").string(), "in/box");
  check_status(result, FileStatus::ok);
  CHECK(result.bytes_sent == content.size());
  const fs::path stored = nodes.dest() / "in" / "box" / "source.bin";
  CHECK(read_file(stored) == content);
  const FileFacts facts = facts_of(stored);
  CHECK(facts.mode == stored_mode(0640));
  CHECK(facts.mtime_ns == stored_mtime(1'600'000'000'123'456'789));
  CHECK(entries(nodes.dest()) == std::vector<std::string>{"in", "in/box", "in/box/source.bin"});

  write_file(nodes.dir / "empty", "", 0600, 1'000'000'000'000'000'000);
  check_status(nodes.sender->send_file(nodes.receiver->location(), (nodes.dir / "empty").string()), FileStatus::ok);
  CHECK(fs::file_size(nodes.dest() / "empty") == 0);
  CHECK(facts_of(nodes.dest() / "empty").mode == stored_mode(0600));
}

TEST_CASE("sending the same file again succeeds without sending data or touching the stored file") {
  TwoNodes nodes;
  write_file(nodes.dir / "same.txt", random_bytes(100000, 2));
  REQUIRE(nodes.sender->send_file(nodes.receiver->location(), (nodes.dir / "same.txt").string()).ok());
  const FileFacts before = facts_of(nodes.dest() / "same.txt");
  const FileResult again = nodes.sender->send_file(nodes.receiver->location(), (nodes.dir / "same.txt").string());
  check_status(again, FileStatus::ok);
  CHECK(again.bytes_sent == 0);
  const FileFacts after = facts_of(nodes.dest() / "same.txt");
  CHECK(after.identity == before.identity);
  CHECK(after.change_ns == before.change_ns);
}

TEST_CASE("a different existing file is kept without overwrite and replaced with overwrite") {
  TwoNodes nodes;
  const std::string source = (nodes.dir / "data.txt").string();
  write_file(source, "first version", 0644, 1'500'000'000'000'000'000);
  REQUIRE(nodes.sender->send_file(nodes.receiver->location(), source).ok());
  write_file(source, "second version, longer", 0644, 1'500'000'001'000'000'000);

  const FileResult kept = nodes.sender->send_file(nodes.receiver->location(), source, "", false);
  check_status(kept, FileStatus::exists);
  CHECK(kept.reason.find("data.txt") != std::string::npos);
  CHECK(read_file(nodes.dest() / "data.txt") == "first version");

  check_status(nodes.sender->send_file(nodes.receiver->location(), source, "", true), FileStatus::ok);
  CHECK(read_file(nodes.dest() / "data.txt") == "second version, longer");
  CHECK(facts_of(nodes.dest() / "data.txt").mtime_ns == stored_mtime(1'500'000'001'000'000'000));
  CHECK_FALSE(has_partial_file(nodes.dest()));
}

TEST_CASE("send_file refuses directories that climb out of dest_path and writes nothing outside it") {
  TwoNodes nodes;
  write_file(nodes.dir / "x", "payload");
  const std::vector<std::string> before = entries(nodes.dir.path());
  for (const std::string dir : {"..", "../escape", "a/../../x", "/abs", "/tmp", "a/.."}) {
    INFO("dir ", dir);
    const FileResult result = nodes.sender->send_file(nodes.receiver->location(), (nodes.dir / "x").string(), dir, true);
    check_status(result, FileStatus::refused_path);
    CHECK_FALSE(result.reason.empty());
  }
  CHECK(entries(nodes.dir.path()) == before);
}

TEST_CASE("a symbolic link inside dest_path is not followed, as a directory on the way or as the target") {
  TwoNodes nodes;
  TempDir outside;
  write_file(outside / "victim", "untouched");
  fs::create_directories(nodes.dest() / "sub");
  try {
    fs::create_directory_symlink(outside.path(), nodes.dest() / "link");
  } catch (const fs::filesystem_error& error) {
#if defined(_WIN32)
    // Wine cannot make symbolic links (CreateSymbolicLinkW); Windows needs a privilege for them.
    MESSAGE("SKIPPED: this system cannot create symbolic links (" << std::string(error.what()) << ")");
    return;
#else
    throw;
#endif
  }
  fs::create_directory_symlink(outside.path(), nodes.dest() / "sub" / "deeper");
  fs::create_symlink(outside / "victim", nodes.dest() / "victim");
  write_file(nodes.dir / "victim", "attack");

  const std::string source = (nodes.dir / "victim").string();
  for (const std::string dir : {"link", "link/new", "sub/deeper"}) {
    INFO("dir ", dir);
    const FileResult result = nodes.sender->send_file(nodes.receiver->location(), source, dir, true);
    check_status(result, FileStatus::refused_path);
    CHECK(result.reason.find("symbolic link") != std::string::npos);
  }
  const FileResult as_target = nodes.sender->send_file(nodes.receiver->location(), source, "", true);
  check_status(as_target, FileStatus::refused_path);
  check_status(nodes.sender->del_file(nodes.receiver->location(), "victim", "link"), FileStatus::refused_path);
  check_status(nodes.sender->del_file(nodes.receiver->location(), "victim"), FileStatus::refused_path);
  CHECK(read_file(outside / "victim") == "untouched");
  CHECK(entries(outside.path()) == std::vector<std::string>{"victim"});
  CHECK(fs::is_symlink(nodes.dest() / "victim"));
}

TEST_CASE("a file larger than the receiver's max_file_size is refused before any data is sent") {
  TwoNodes nodes(4096);
  write_file(nodes.dir / "big", random_bytes(5000, 3));
  const FileResult result = nodes.sender->send_file(nodes.receiver->location(), (nodes.dir / "big").string());
  check_status(result, FileStatus::too_large);
  CHECK(result.bytes_sent == 0);
  CHECK(result.reason.find("4096") != std::string::npos);
  CHECK(entries(nodes.dest()).empty());
  write_file(nodes.dir / "small", random_bytes(4096, 4));
  check_status(nodes.sender->send_file(nodes.receiver->location(), (nodes.dir / "small").string()), FileStatus::ok);
}

TEST_CASE("a receiver with the smallest max_frame_size gets files in chunks that fit its frames") {
  TwoNodes nodes(0, 4096);
  const std::string content = random_bytes(50000, 5);
  write_file(nodes.dir / "chunked", content);
  const FileResult result = nodes.sender->send_file(nodes.receiver->location(), (nodes.dir / "chunked").string());
  check_status(result, FileStatus::ok);
  CHECK(read_file(nodes.dest() / "chunked") == content);
}

TEST_CASE("del_file removes the file and prunes its empty parent directories up to dest_path") {
  TwoNodes nodes;
  write_file(nodes.dir / "f", "x");
  write_file(nodes.dir / "g", "y");
  const std::string f = (nodes.dir / "f").string();
  REQUIRE(nodes.sender->send_file(nodes.receiver->location(), f, "a/b/c").ok());
  REQUIRE(nodes.sender->send_file(nodes.receiver->location(), (nodes.dir / "g").string(), "a").ok());
  check_status(nodes.sender->del_file(nodes.receiver->location(), f, "a/b/c"), FileStatus::ok);
  CHECK(entries(nodes.dest()) == std::vector<std::string>{"a", "a/g"});  // a/b/c and a/b pruned, a still used
  check_status(nodes.sender->del_file(nodes.receiver->location(), "g", "a"), FileStatus::ok);
  CHECK(entries(nodes.dest()).empty());
  CHECK(fs::is_directory(nodes.dest()));
  check_status(nodes.sender->del_file(nodes.receiver->location(), "g", "a"), FileStatus::not_found);
}

TEST_CASE("del_file refuses paths outside dest_path and names that are not regular files") {
  TwoNodes nodes;
  write_file(nodes.dir / "keep", "kept");
  fs::create_directories(nodes.dest() / "d" / "inner");
  for (const std::string dir : {"..", "/abs", "d/../.."}) {
    INFO("dir ", dir);
    check_status(nodes.sender->del_file(nodes.receiver->location(), "keep", dir), FileStatus::refused_path);
  }
  check_status(nodes.sender->del_file(nodes.receiver->location(), "inner", "d"), FileStatus::refused_path);
  check_status(nodes.sender->del_file(nodes.receiver->location(), "nothing", "nowhere"), FileStatus::not_found);
  CHECK(read_file(nodes.dir / "keep") == "kept");
  CHECK(fs::is_directory(nodes.dest() / "d" / "inner"));
}

TEST_CASE("send_file and del_file report an unknown peer, a bad source and a timeout") {
  TwoNodes nodes;
  write_file(nodes.dir / "f", random_bytes(1000, 6));
  const picos::Location nobody{"127.0.0.1", 1};
  check_status(nodes.sender->send_file(nobody, (nodes.dir / "f").string()), FileStatus::unknown_peer);
  check_status(nodes.sender->del_file(nobody, "f"), FileStatus::unknown_peer);
  check_status(nodes.sender->send_file(nodes.sender->location(), (nodes.dir / "f").string()), FileStatus::unknown_peer);

  const FileResult missing = nodes.sender->send_file(nodes.receiver->location(), (nodes.dir / "missing").string());
  check_status(missing, FileStatus::bad_source);
  CHECK(missing.reason.find("missing") != std::string::npos);
#if !defined(_WIN32)
  CHECK(missing.reason.find("No such file") != std::string::npos);
#endif
  check_status(nodes.sender->send_file(nodes.receiver->location(), nodes.dir.path().string()), FileStatus::bad_source);

  // A zero timeout gives up right after the offer; the receiver drops what it accepted.
  check_status(nodes.sender->send_file(nodes.receiver->location(), (nodes.dir / "f").string(), "", false, 0s),
               FileStatus::timed_out);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (has_partial_file(nodes.dest()) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  CHECK_FALSE(has_partial_file(nodes.dest()));
  CHECK_FALSE(fs::exists(nodes.dest() / "f"));
}

TEST_CASE("the receiver drops a transfer whose connection closes and refuses a chunk that does not follow") {
  TempDir dir;
  net::FileReceiver receiver;
  receiver.configure((dir / "dest").string(), 0, 1024);
  const int connection = 0;
  net::FileOfferPayload offer{7, "x/y", "file", 100, 0, 0644, false};
  const net::FileReplyPayload ready = receiver.offer(&connection, offer);
  CHECK(ready.step == static_cast<std::uint8_t>(net::FileStep::ready));
  CHECK(ready.value == 1024);
  const std::string half(50, 'a');
  {
    // Chunks are written from the node's network tasks; here from a task of the default scheduler.
    auto reply = picos::spawn([&] { return receiver.chunk(&connection, net::FileChunkPayload{7, 0, half}, 5s); })
                     .value(10s)
                     .get<std::optional<net::FileReplyPayload>>();
    REQUIRE(reply);
    CHECK(reply->step == static_cast<std::uint8_t>(net::FileStep::progress));
    CHECK(reply->value == 50);
  }
  CHECK(has_partial_file(dir / "dest"));
  CHECK_THROWS_AS(picos::spawn([&] { (void)receiver.chunk(&connection, net::FileChunkPayload{7, 10, half}, 5s); }).value(10s),
                  net::ProtocolError);
  // From a task of the scheduler that wrote the file, as the node's network tasks do: a file is
  // closed by its scheduler's thread, and Windows cannot remove a directory whose deleted file
  // is still open.
  picos::spawn([&] { receiver.drop_connection(&connection); }).value(10s);
  CHECK(entries(dir / "dest").empty());  // the partial file and the directories made for it are gone

  offer.request_id = 8;
  offer.dir = "../up";
  const net::FileReplyPayload refused = receiver.offer(&connection, offer);
  CHECK(refused.step == static_cast<std::uint8_t>(net::FileStep::failed));
  CHECK(refused.status == static_cast<std::uint8_t>(FileStatus::refused_path));
  // The receiver applies the rules itself, whatever a (modified) sender checked.
  for (const std::string dir : {"/etc", "..", "a/../.."}) {
    const net::FileReplyPayload removal = receiver.remove(net::FileDeletePayload{9, dir, "passwd"});
    CHECK(removal.status == static_cast<std::uint8_t>(FileStatus::refused_path));
  }
}

#if defined(_WIN32)
TEST_CASE("on Windows the receiver refuses names the file system reserves and creates nothing for them") {
  TempDir dir;
  net::FileReceiver receiver;
  receiver.configure((dir / "dest").string(), 0, 1024);
  const int connection = 0;
  const std::pair<std::string, std::string> refused[] = {
      {"", "con"},  {"", "NUL.txt"}, {"", "a:b"},      {"", "x."},    {"", "y "},         {"", "q?"},
      {"", "lpt1"}, {"", "pipe|d"},  {"", "back\\slash"}, {"con", "f"}, {"made/aux.log", "f"}, {"ok/c:", "f"},
  };
  std::uint64_t id = 1;
  for (const auto& [subdir, name] : refused) {
    INFO("dir '", subdir, "' name '", name, "'");
    const net::FileReplyPayload reply = receiver.offer(&connection, net::FileOfferPayload{id++, subdir, name, 10, 0, 0644, false});
    CHECK(reply.step == static_cast<std::uint8_t>(net::FileStep::failed));
    CHECK(reply.status == static_cast<std::uint8_t>(FileStatus::refused_path));
  }
  CHECK(entries(dir / "dest").empty());  // "made" and "ok" were removed again
}
#endif

TEST_CASE("a 16 MiB file crosses loopback in acknowledged chunks within the time bound") {
  TwoNodes nodes;
  const std::string content = random_bytes(16 << 20, 7);
  write_file(nodes.dir / "large", content);
  const auto start = std::chrono::steady_clock::now();
  const FileResult result = nodes.sender->send_file(nodes.receiver->location(), (nodes.dir / "large").string(), "",
                                                    false, 60s);
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  check_status(result, FileStatus::ok);
  CHECK(result.bytes_sent == content.size());
  CHECK(read_file(nodes.dest() / "large") == content);
  MESSAGE("16 MiB sent in " << elapsed * 1000 << " ms (" << 16 / elapsed << " MiB/s)");
}

TEST_CASE("several transfers to one peer at once each arrive whole") {
  TwoNodes nodes;
  constexpr int files = 4;
  std::vector<std::string> contents;
  for (int i = 0; i < files; ++i) {
    contents.push_back(random_bytes(200000 + static_cast<std::size_t>(i) * 1000, 10U + static_cast<unsigned>(i)));
    write_file(nodes.dir / ("part" + std::to_string(i)), contents.back());
  }
  std::vector<picos::Task> senders;
  for (int i = 0; i < files; ++i) {
    senders.push_back(picos::spawn([&, i] {
      return nodes.sender->send_file(nodes.receiver->location(), (nodes.dir / ("part" + std::to_string(i))).string(),
                                     "many");
    }));
  }
  for (int i = 0; i < files; ++i) {
    check_status(senders[static_cast<std::size_t>(i)].value(60s).get<FileResult>(), FileStatus::ok);
    CHECK(read_file(nodes.dest() / "many" / ("part" + std::to_string(i))) == contents[static_cast<std::size_t>(i)]);
  }
  CHECK_FALSE(has_partial_file(nodes.dest()));
}
