#include "irrev/core/cpu_features.hpp"

#include <fstream>
#include <sstream>

namespace irrev {

std::set<std::string> cpu_flags(const std::string& cpuinfo) {
  std::ifstream in(cpuinfo);
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto key = line.substr(0, line.find_first_of(" \t:"));
    if (key != "flags") continue;
    std::set<std::string> flags;
    std::istringstream words(line.substr(colon + 1));
    for (std::string w; words >> w;) flags.insert(w);
    return flags;
  }
  return {};
}

bool has_bf16_units(const std::set<std::string>& flags) {
  return flags.count("avx512_bf16") > 0 || flags.count("amx_bf16") > 0;
}

}  // namespace irrev
