#pragma once
// Private to the report: small CSV helpers for the Markdown tables.
#include <filesystem>
#include <set>
#include <string>

namespace irrev::report::detail {

/// The whole file as text ("" when it cannot be read).
std::string read_text(const std::filesystem::path& p);
/// A CSV file as a Markdown table.
std::string csv_to_markdown(const std::string& csv);
/// The header and the rows of a CSV whose column `column` equals one of `values`.
std::string csv_rows_where(const std::string& csv, const std::string& column, const std::set<std::string>& values);

}  // namespace irrev::report::detail
