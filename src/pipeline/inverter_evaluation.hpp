#pragma once
// Private to train-inverter: how well reconstructions are recognised, on held-out images
// (validation, every epoch) and on the evaluation identities (once, at the end).
#include <string>
#include <vector>

#include "../models/generator.hpp"
#include "irrev/models/extractor.hpp"

namespace irrev::pipeline::detail {

/// Cosine between the extractor's embedding of the reconstruction of each template z[i] and
/// refs[i] (type I: refs = z; type II: the subject's other image). z, refs: N x D on the CPU,
/// L2-normalised. The generator runs in eval mode in fp32; `label` names the progress line.
std::vector<double> reembedded_cosines(models::Generator& generator, const models::Extractor& extractor,
                                       const torch::Tensor& z, const torch::Tensor& refs, const torch::Device& device,
                                       const std::string& label, bool progress);

/// Share of `scores` at or above `threshold`.
double share_at_least(const std::vector<double>& scores, double threshold);
double mean(const std::vector<double>& scores);

}  // namespace irrev::pipeline::detail
