#include "report.hpp"

#include <algorithm>
#include <cstdio>

#include "registry.hpp"
#include "table.hpp"

namespace picos_bench {
namespace {

bool is_picos(const Row& row) {
  const Impl* impl = find_impl(row.impl);
  return impl != nullptr && impl->program == "self";
}

std::vector<const Row*> successful(const std::vector<Row>& rows) {
  std::vector<const Row*> out;
  for (const Row& row : rows) {
    if (row.error.empty()) out.push_back(&row);
  }
  return out;
}

/// Figure names in order of first appearance.
std::vector<std::string> figure_names(const std::vector<const Row*>& rows) {
  std::vector<std::string> names;
  for (const Row* row : rows) {
    for (const auto& [name, value] : row->figures) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  return names;
}

Table table_with(std::vector<std::string> labels, const std::vector<std::string>& figures) {
  Table table;
  table.headers = std::move(labels);
  table.right_aligned.assign(table.headers.size(), false);
  table.right_aligned.back() = true;  // n
  for (const auto& name : figures) {
    table.headers.push_back(name);
    table.right_aligned.push_back(true);
  }
  return table;
}

std::string render(const Table& table, Format format) {
  return format == Format::markdown ? render_markdown(table) : render_text(table);
}

std::string format_ratio(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", value);
  return buf;
}

}  // namespace

std::string results_table(const std::vector<Row>& rows, Format format) {
  const auto ok = successful(rows);
  if (ok.empty()) return {};
  const auto figures = figure_names(ok);
  Table table = table_with({"scenario", "impl", "n"}, figures);
  for (const Row* row : ok) {
    std::vector<std::string> cells{row->scenario, row->impl, std::to_string(row->n)};
    for (const auto& name : figures) {
      const auto value = figure(*row, name);
      cells.push_back(value ? format_figure(*value) : "");
    }
    table.rows.push_back(std::move(cells));
  }
  return render(table, format);
}

std::string ratios_table(const std::vector<Row>& rows, Format format) {
  const auto ok = successful(rows);
  const auto figures = figure_names(ok);
  Table table = table_with({"scenario", "picos/peer", "n"}, figures);
  for (const Row* mine : ok) {
    if (!is_picos(*mine)) continue;
    for (const Row* peer : ok) {
      if (is_picos(*peer) || peer->scenario != mine->scenario || peer->n != mine->n) continue;
      std::vector<std::string> cells{mine->scenario, mine->impl + "/" + peer->impl, std::to_string(mine->n)};
      for (const auto& name : figures) {
        const auto a = figure(*mine, name);
        const auto b = figure(*peer, name);
        cells.push_back(a && b && *b != 0 ? format_ratio(*a / *b) : "");
      }
      table.rows.push_back(std::move(cells));
    }
  }
  if (table.rows.empty()) return {};
  return render(table, format) +
         "\nRatios are picos/peer: below 1 means picos is better for times and memory, above 1 "
         "means it is better for rates (figures per second).\n";
}

std::string rows_json(const std::vector<Row>& rows) {
  std::string out = "[";
  for (std::size_t i = 0; i < rows.size(); ++i) out += (i == 0 ? "\n  " : ",\n  ") + row_to_json(rows[i]);
  return out + "\n]\n";
}

}  // namespace picos_bench
