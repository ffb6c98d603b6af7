#include "irrev/metrics/score_file.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "irrev/core/error.hpp"

namespace irrev::metrics {

std::vector<double> read_score_file(const std::string& path) {
  std::ifstream in(path);
  IRREV_CHECK(in.good(), "score file '{}' cannot be read", path);
  std::vector<double> out;
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    auto last = line.find_last_not_of(" \t\r");
    std::string token = line.substr(first, last - first + 1);
    char* end = nullptr;
    double v = std::strtod(token.c_str(), &end);
    IRREV_CHECK(end == token.c_str() + token.size() && std::isfinite(v), "{}:{}: '{}' is not one finite score", path,
                line_no, token);
    out.push_back(v);
  }
  IRREV_CHECK(!out.empty(), "score file '{}' holds no scores", path);
  return out;
}

}  // namespace irrev::metrics
