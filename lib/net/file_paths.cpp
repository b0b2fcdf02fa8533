#include "net/file_paths.hpp"

#include <algorithm>

namespace picos::net {
namespace {

// How local paths separate their components, and what a node's name may not bring into
// default_dest_path's last component. Windows also uses '\' and ends a drive with ':' ("C:f.txt");
// its file systems refuse these characters in names (':' would even name a stream of a file).
#if defined(_WIN32)
constexpr std::string_view local_separators = "/\\:";
constexpr std::string_view not_in_local_names = "/\\:*?\"<>|";
#else
constexpr std::string_view local_separators = "/";
constexpr std::string_view not_in_local_names = "/";
#endif

// Why `component` may not be a name in a directory, or empty when it may.
std::string component_problem(std::string_view component) {
  if (component.empty()) return "is empty";
  if (component == "." || component == "..") return "is '" + std::string(component) + "'";
  if (component.size() > max_path_component) return "is longer than " + std::to_string(max_path_component) + " bytes";
  if (component.find('\0') != std::string_view::npos) return "contains a NUL byte";
  if (component.find('/') != std::string_view::npos) return "contains '/'";
  return {};
}

std::string quoted(std::string_view text) {
  constexpr std::size_t shown = 80;
  std::string out = "'";
  for (const char c : text.substr(0, shown)) out += (c == '\0') ? std::string("\\0") : std::string(1, c);
  if (text.size() > shown) out += "...";
  return out + "'";
}

}  // namespace

std::variant<FileTarget, PathRefusal> file_target(std::string_view dest_path, std::string_view dir,
                                                  std::string_view name) {
  if (dir.size() > max_dir_length) {
    return PathRefusal{"directory is longer than " + std::to_string(max_dir_length) + " bytes"};
  }
  if (!dir.empty() && dir.front() == '/') return PathRefusal{"directory " + quoted(dir) + " is absolute"};
  if (dir.find('\0') != std::string_view::npos) return PathRefusal{"directory " + quoted(dir) + " contains a NUL byte"};
  FileTarget target;
  std::size_t start = 0;
  while (start <= dir.size()) {
    const std::size_t slash = std::min(dir.find('/', start), dir.size());
    const std::string_view component = dir.substr(start, slash - start);
    start = slash + 1;
    if (component.empty() || component == ".") continue;
    if (component == "..") return PathRefusal{"directory " + quoted(dir) + " contains '..'"};
    if (std::string problem = component_problem(component); !problem.empty()) {
      return PathRefusal{"directory component " + quoted(component) + " " + problem};
    }
    if (target.dirs.size() == max_dir_depth) {
      return PathRefusal{"directory " + quoted(dir) + " is deeper than " + std::to_string(max_dir_depth) + " levels"};
    }
    target.dirs.emplace_back(component);
  }
  if (std::string problem = component_problem(name); !problem.empty()) {
    return PathRefusal{"file name " + quoted(name) + " " + problem};
  }
  if (name.starts_with(partial_file_prefix)) {
    return PathRefusal{"file name " + quoted(name) + " uses the prefix reserved for files in transfer"};
  }
  target.name = name;
  target.path = dest_path;
  for (const std::string& component : target.dirs) target.path += "/" + component;
  target.path += "/" + target.name;
  return target;
}

std::string base_name(std::string_view path) {
  const std::size_t slash = path.find_last_of(local_separators);
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string default_dest_path(std::string_view temp_dir, std::string_view node_name) {
  std::string component(node_name.substr(0, max_path_component));
  for (char& c : component) {
    if (c == '\0' || not_in_local_names.find(c) != std::string_view::npos) c = '_';
  }
  if (component.empty() || component == "." || component == "..") component = "_";
  std::string base(temp_dir.empty() ? std::string_view("/tmp") : temp_dir);
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  if (base != "/") base += "/";
  return base + "picos/" + component;
}

}  // namespace picos::net
