#pragma once
// Private to train-inverter: how well reconstructions are recognised, on held-out images
// (validation, every epoch) and on the evaluation identities (once, at the end). The one place
// the training's figures of merit are computed.
#include <string>
#include <vector>

#include "../models/generator.hpp"
#include "../models/inverter_loss.hpp"
#include "inverter_training_data.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/pipeline/train_inverter.hpp"
#include "irrev/pipeline/training_summary.hpp"

namespace irrev::pipeline::detail {

/// The validation figures of the epoch `h` records (h.epoch, 1-based) into `h`: the loss on the
/// held-out images, the mean cosine of their re-embedded reconstructions and, with thresholds,
/// the share recognised at FMR 1 %. The generator is back in training mode after.
void validate_epoch(models::Generator& generator, const models::InverterLoss& loss, const TrainingSamples& validation,
                    const TrainingInputs& in, const torch::Device& device, bool progress, EpochRecord& h);

/// The finished inverter's type-I and type-II RSR on the attack's default template set (one
/// image per evaluation subject, best detection score, gender-balanced where genders are
/// known; type II against the subject's next-best image): what the attack at complexity 0
/// gives. Into `s`'s evaluation fields.
void evaluate_inverter(models::Generator& generator, const TrainingInputs& in, const TrainInverterOptions& o,
                       const torch::Device& device, TrainingSummary& s);

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
