#pragma once
// Where a file received from a peer may land (Node::send_file / del_file): the lexical rules,
// pure (no I/O) so they can be fuzzed. A target is a list of directory components below
// dest_path and a file name; the receiver then opens it component by component without following
// symbolic links (file_tree.hpp), which is what keeps links already inside dest_path from leading
// out of it.

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace picos::net {

// Longest directory or file name component accepted (NAME_MAX on Linux).
inline constexpr std::size_t max_path_component = 255;
// Most directory components below dest_path.
inline constexpr std::size_t max_dir_depth = 32;
// Longest `dir` string accepted from a peer.
inline constexpr std::size_t max_dir_length = 1024;
// Names starting with this are the receiver's files in progress; peers may not name them.
inline constexpr std::string_view partial_file_prefix = ".picos-part-";

struct FileTarget {
  std::vector<std::string> dirs;  // components below dest_path: never empty, ".", ".." nor with '/' or NUL
  std::string name;               // the file's name inside the last of `dirs` (or dest_path itself)
  std::string path;               // dest_path/dirs.../name, for messages
};

struct PathRefusal {
  std::string reason;
};

// Decides where the file `name` sent for directory `dir` lands below `dest_path`, or why it may
// not. `dir` must be relative: '/'-separated components, where empty ones and "." are skipped and
// ".." is refused (so nothing can climb out lexically). `name` must be one component, not "." or
// "..", nor start with partial_file_prefix. NUL bytes and over-long parts are refused.
[[nodiscard]] std::variant<FileTarget, PathRefusal> file_target(std::string_view dest_path, std::string_view dir,
                                                                std::string_view name);

// The last component of the local `path` (after the last '/', on Windows also '\' or ':'; the
// whole of it without one), as a sender announces its file.
[[nodiscard]] std::string base_name(std::string_view path);

// The default dest_path: <temp_dir>/picos/<node name>, where characters that cannot be in one path
// component ('/', NUL, on Windows also \:*?"<>|) become '_' and a name of "", "." or ".."
// becomes "_".
[[nodiscard]] std::string default_dest_path(std::string_view temp_dir, std::string_view node_name);

}  // namespace picos::net
