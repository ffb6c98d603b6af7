#pragma once
/// `irrev protect`: templates.h5 -> protected.h5, every template under PE-MIU with its own
/// permutation keyed by (seed, template index). Stored with each protected template: the
/// permutation itself, its exact Lehmer rank (decimal) and its complexity.
#include <cstdint>
#include <string>

namespace irrev::pipeline {

struct ProtectOptions {
  std::string templates;
  std::string out;
  int block = 64;
  std::uint64_t seed = 2021;
};

/// Returns the number of templates protected.
std::int64_t run_protect(const ProtectOptions& options);

}  // namespace irrev::pipeline
