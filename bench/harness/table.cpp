#include "table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace picos_bench {
namespace {

std::vector<std::size_t> column_widths(const Table& table) {
  std::vector<std::size_t> widths;
  for (const auto& h : table.headers) widths.push_back(h.size());
  for (const auto& row : table.rows) {
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  return widths;
}

std::string pad(const std::string& cell, std::size_t width, bool right) {
  const std::string fill(width > cell.size() ? width - cell.size() : 0, ' ');
  return right ? fill + cell : cell + fill;
}

std::string cell_at(const std::vector<std::string>& row, std::size_t c) { return c < row.size() ? row[c] : ""; }

}  // namespace

std::string render_text(const Table& table) {
  const auto widths = column_widths(table);
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t c = 0; c < widths.size(); ++c) {
      if (c > 0) out += "  ";
      out += pad(cell_at(cells, c), widths[c], table.right_aligned[c]);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(table.headers);
  std::vector<std::string> rule;
  for (std::size_t w : widths) rule.emplace_back(w, '-');
  out += line(rule);
  for (const auto& row : table.rows) out += line(row);
  return out;
}

std::string render_markdown(const Table& table) {
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out = "|";
    for (std::size_t c = 0; c < table.headers.size(); ++c) out += " " + cell_at(cells, c) + " |";
    return out + "\n";
  };
  std::string out = line(table.headers) + "|";
  for (std::size_t c = 0; c < table.headers.size(); ++c) out += table.right_aligned[c] ? "---:|" : "---|";
  out += "\n";
  for (const auto& row : table.rows) out += line(row);
  return out;
}

std::string format_figure(double value) {
  char buf[64];
  if (std::fabs(value) >= 1000) {
    std::snprintf(buf, sizeof buf, "%.0f", value);
  } else {
    std::snprintf(buf, sizeof buf, "%.3g", value);
  }
  return buf;
}

}  // namespace picos_bench
