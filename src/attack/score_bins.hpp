#pragma once
// Private: the score histograms' bin rule, the one place it is written. The attack bins on the
// device (AttackPipeline::run), so the rule is a tensor operation; scores are float64 there.
#include <torch/types.h>

#include "irrev/attack/attack_tally.hpp"

namespace irrev::attack {

/// Bin of each score over [-1, 1] in kScoreBins equal bins: floor((s + 1) / 2 * bins), with
/// NaN and anything below -1 in bin 0 and anything from 1 up in the last bin. Int64.
inline torch::Tensor score_bins(const torch::Tensor& scores) {
  auto x = (scores.to(torch::kFloat64) + 1.0) * 0.5 * static_cast<double>(kScoreBins);
  // x >= 0 is false for NaN: those go to bin 0 with the negatives.
  return torch::where(x >= 0, x.floor(), torch::zeros_like(x)).clamp_max(kScoreBins - 1).to(torch::kInt64);
}

}  // namespace irrev::attack
