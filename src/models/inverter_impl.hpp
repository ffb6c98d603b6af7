#pragma once
// Private: what an Inverter holds, and how its file is written.
#include <optional>
#include <unordered_set>

#include "folded_generator.hpp"
#include "generator.hpp"
#include "irrev/models/inverter.hpp"

namespace irrev::models {

struct Inverter::Impl {
  InverterInfo info;
  Generator generator{nullptr};
  /// The same network with batch norm folded: what inference runs.
  std::optional<FoldedGenerator> folded;
  torch::Device device{torch::kCPU};
  std::unordered_set<std::string> seen;        // training subjects
  std::unordered_set<std::string> seen_crops;  // SHA-256 of the training crops
};

/// Write the generator's weights and `info` to `path` (through a temporary file).
void save_inverter(const std::string& path, Generator& generator, const InverterInfo& info);

}  // namespace irrev::models
