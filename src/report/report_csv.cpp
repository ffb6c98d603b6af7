#include "report_csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

namespace irrev::report::detail {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string csv_to_markdown(const std::string& csv) {
  std::stringstream in(csv);
  std::string line, out;
  bool first = true;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::string row = "| ";
    for (char c : line) row += c == ',' ? std::string(" | ") : std::string(1, c);
    out += row + " |\n";
    if (first) {
      out += "|";
      for (std::size_t i = 0, n = static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')) + 1; i < n; ++i)
        out += "---|";
      out += "\n";
      first = false;
    }
  }
  return out;
}

std::string csv_rows_where(const std::string& csv, const std::string& column, const std::set<std::string>& values) {
  std::stringstream in(csv);
  std::string header, line, out;
  std::getline(in, header);
  std::vector<std::string> names;
  std::stringstream hs(header);
  for (std::string c; std::getline(hs, c, ',');) names.push_back(c);
  const auto at = std::find(names.begin(), names.end(), column) - names.begin();
  out = header + "\n";
  while (std::getline(in, line)) {
    std::stringstream ls(line);
    std::string cell;
    for (long i = 0; i <= at && std::getline(ls, cell, ','); ++i) {
    }
    if (values.count(cell)) out += line + "\n";
  }
  return out;
}

}  // namespace irrev::report::detail
