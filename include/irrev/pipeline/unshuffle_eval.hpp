#pragma once
/// `irrev unshuffle`: fit the block-position model on the templates of training identities
/// and measure, on the evaluation identities (one template each, the first image of each
/// subject), how well it recovers known PE-MIU permutations, per block count.
#include <cstdint>
#include <string>
#include <vector>

namespace irrev::pipeline {

struct UnshuffleEvalOptions {
  std::string templates;  ///< templates.h5 (unprotected)
  std::vector<int> blocks{4, 8, 16};
  std::uint64_t split_seed = 2021;  ///< the identity split (the inverter's defaults)
  double eval_share = 0.25;
  int uniform = 8;                 ///< uniform PE-MIU permutations per evaluation template
  int per_complexity = 2;          ///< and this many per complexity
  std::int64_t max_templates = 0;  ///< 0: every evaluation subject
  std::uint64_t seed = 2021;       ///< the permutations' draws
  bool full_covariance = false;    ///< the block-position model with a covariance per position
};

/// {"templates": ..., "extractor": ..., "training_templates": n, "results": [UnshuffleMetrics...]}
std::string run_unshuffle_eval(const UnshuffleEvalOptions& options);

}  // namespace irrev::pipeline
