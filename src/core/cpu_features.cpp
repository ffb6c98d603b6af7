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

std::string describe_cpu(const std::string& cpuinfo) {
  std::string model = "unknown processor";
  std::ifstream in(cpuinfo);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
      model = line.substr(line.find(':') + 1);
      model.erase(0, model.find_first_not_of(" \t"));
      break;
    }
  const auto flags = cpu_flags(cpuinfo);
  std::string units;
  for (const char* f : {"avx2", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "amx_bf16"})
    if (flags.count(f) > 0) units += std::string(units.empty() ? "" : " ") + f;
  return model + ": " + (units.empty() ? "no AVX2" : units) +
         (has_bf16_units(flags) ? ", bf16 units" : ", no bf16 units");
}

bool has_bf16_units(const std::set<std::string>& flags) {
  return flags.count("avx512_bf16") > 0 || flags.count("amx_bf16") > 0;
}

}  // namespace irrev
