#include "row.hpp"

#include <cctype>
#include <cstdlib>

namespace picos_bench {
namespace {

/// A member value: a string, or a number when is_number.
struct Value {
  std::string text;
  double number = 0;
  bool is_number = false;
};

/// Reads a flat JSON object: string keys, string or number values, nothing nested.
class FlatParser {
 public:
  explicit FlatParser(std::string_view text) : text_(text) {}

  /// Calls on_member(key, value) for each member; false when the text is malformed.
  template <class OnMember>
  bool parse(OnMember on_member) {
    if (!eat('{')) return false;
    if (eat('}')) return at_end();
    do {
      std::string key;
      Value value;
      if (!string(key) || !eat(':') || !value_of(value)) return false;
      on_member(key, value);
    } while (eat(','));
    return eat('}') && at_end();
  }

 private:
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])) != 0) ++pos_;
  }
  bool eat(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool at_end() {
    skip_space();
    return pos_ == text_.size();
  }
  bool value_of(Value& out) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '"') {
      return string(out.text);
    }
    const std::string rest(text_.substr(pos_, 64));
    char* end = nullptr;
    const double d = std::strtod(rest.c_str(), &end);
    if (end == rest.c_str()) return false;
    pos_ += static_cast<std::size_t>(end - rest.c_str());
    out.number = d;
    out.is_number = true;
    return true;
  }
  bool string(std::string& out) {
    if (!eat('"')) return false;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) return false;
      const char e = text_[pos_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {  // only control characters are escaped this way; others become '?'
          if (pos_ + 4 > text_.size()) return false;
          const long code = std::strtol(std::string(text_.substr(pos_, 4)).c_str(), nullptr, 16);
          out += code < 0x80 ? static_cast<char>(code) : '?';
          pos_ += 4;
          break;
        }
        default: out += e; break;  // \" \\ \/
      }
    }
    return false;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<Row> parse_row(std::string_view line) {
  Row row;
  bool has_scenario = false;
  bool has_impl = false;
  bool well_typed = true;
  const bool ok = FlatParser(line).parse([&](const std::string& key, const Value& value) {
    if (key == "scenario" && !value.is_number) {
      row.scenario = value.text;
      has_scenario = true;
    } else if (key == "impl" && !value.is_number) {
      row.impl = value.text;
      has_impl = true;
    } else if (key == "error" && !value.is_number) {
      row.error = value.text;
    } else if (key == "n" && value.is_number) {
      row.n = static_cast<std::uint64_t>(value.number);
    } else if (value.is_number) {
      row.figures.emplace_back(key, value.number);
    } else {
      well_typed = false;
    }
  });
  if (!ok || !well_typed || !has_scenario || !has_impl) return std::nullopt;
  return row;
}

std::string row_to_json(const Row& row) {
  std::string out = result_members(row.scenario, row.impl, row.n, row.figures);
  out += ",\"runs\":" + std::to_string(row.runs);
  if (!row.error.empty()) out += ",\"error\":" + json_quote(row.error);
  return out + "}";
}

std::optional<double> figure(const Row& row, std::string_view name) {
  for (const auto& [key, value] : row.figures) {
    if (key == name) return value;
  }
  return std::nullopt;
}

}  // namespace picos_bench
