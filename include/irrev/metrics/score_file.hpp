#pragma once
/// Text score files: one similarity score per line (blank lines and '#' comments allowed).
#include <string>
#include <vector>

namespace irrev::metrics {

/// Read every score; a line that is not one finite number stops with "FILE:LINE: ...".
std::vector<double> read_score_file(const std::string& path);

}  // namespace irrev::metrics
