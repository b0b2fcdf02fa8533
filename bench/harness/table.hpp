// A plain table of text cells, rendered aligned for the terminal or as GitHub markdown.
#pragma once

#include <string>
#include <vector>

namespace picos_bench {

struct Table {
  std::vector<std::string> headers;
  std::vector<bool> right_aligned;  ///< per column (numbers); same size as headers
  std::vector<std::vector<std::string>> rows;
};

/// Columns padded to their widest cell, a dashed rule under the headers.
[[nodiscard]] std::string render_text(const Table& table);

/// A GitHub-flavoured markdown table (numeric columns right-aligned).
[[nodiscard]] std::string render_markdown(const Table& table);

/// A figure value for a table cell: large values as integers, small ones with 3 significant digits.
[[nodiscard]] std::string format_figure(double value);

}  // namespace picos_bench
