#pragma once
// Private to train-inverter: what it reads, which images train the inverter, and the tensors a
// step samples.
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "irrev/data/h5_file.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/models/inverter_config.hpp"
#include "irrev/pipeline/thresholds.hpp"
#include "irrev/pipeline/train_inverter.hpp"

namespace irrev::dist {
class Communicator;
}

namespace irrev::pipeline::detail {

/// Everything train-inverter reads, checked against each other: the templates and their crops
/// (the same images in the same order), the extractor that made them, and the thresholds where
/// given.
struct TrainingInputs {
  data::TemplateSet set;
  std::unique_ptr<h5::File> crops;
  std::unique_ptr<models::Extractor> extractor;
  Thresholds thresholds;
  bool has_thresholds = false;
};
TrainingInputs open_training_inputs(const TrainInverterOptions& options);

/// The attacker's side of the identity split: every image of a training subject, a keyed share
/// of those subjects held out for validation. Evaluation subjects never appear here.
struct TrainingSplit {
  std::vector<std::int64_t> train, val;  ///< rows of templates.h5, ascending
  std::set<std::string> subjects;        ///< training and validation subjects
};
TrainingSplit split_training_identities(const data::TemplateSet& set, const models::InverterTrainingConfig& config);

/// Crops (uint8 N x H x W x 3) each moved by its own offset (dy, dx) in [-max, max]^2 pixels:
/// output pixel (y, x) is input pixel (y - dy, x - dx), clamped to the crop (edges repeated).
/// The offset is keyed by (seed, the crop's row of templates.h5), so a crop moves the same way on
/// any rank and in any run.
torch::Tensor shift_crops(const torch::Tensor& bgr, const std::vector<std::int64_t>& rows, int max, std::uint64_t seed);

/// Images (N x 3 x S x S RGB in [0, 1], at the generator's output size) with the templates
/// they must come back from (N x D). With `flip`, the mirrored crops follow the originals, and
/// with `shift`, the shifted crops follow those, each with the template the extractor gives the
/// altered crop (the embedding is neither mirror nor shift invariant), computed in chunks spread
/// over the ranks and summed, so every rank holds all.
struct TrainingSamples {
  torch::Tensor images, templates;
  std::int64_t size() const { return images.defined() ? images.size(0) : 0; }
};
TrainingSamples load_training_samples(const dist::Communicator& comm, const h5::File& crops,
                                      const data::TemplateSet& set, const std::vector<std::int64_t>& rows, int size,
                                      const models::InverterTrainingConfig& config, const models::Extractor& extractor);

}  // namespace irrev::pipeline::detail
