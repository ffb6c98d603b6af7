#pragma once
// Private to train-inverter: what happens on rank 0 after each whole epoch besides training,
// one callback each (the sample grid, the kept weights, the checkpoint, the loss log and its
// plot), in the order the training registers them. None of them changes the weights.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "../models/generator.hpp"
#include "inverter_training_data.hpp"
#include "irrev/models/inverter_config.hpp"
#include "irrev/pipeline/training_summary.hpp"

namespace irrev::models {
class MultiTensorAdam;
}

namespace irrev::pipeline::detail {

class TrainingCheckpoint;

/// What an epoch's end shows a callback.
struct EpochEnd {
  int epoch = 0;                            ///< 0-based
  const std::vector<EpochRecord>& history;  ///< every whole epoch so far, this one last
  models::Generator& generator;             ///< in training mode; left so
  bool first_of_run = false;                ///< the first epoch of this run (not of the training)
};

class TrainingCallback {
 public:
  virtual ~TrainingCallback() = default;
  virtual void epoch_end(const EpochEnd& e) = 0;
};

/// The first validation images (top row) above their reconstructions, as
/// `out`/samples/epoch_NNN.png.
std::unique_ptr<TrainingCallback> sample_grid(const std::filesystem::path& out, const TrainingSamples& validation,
                                              const torch::Device& device);

/// The weights of the epoch `keep` ranks best so far, as `out`/best_generator.pt (never under
/// KeepPolicy::last, which ranks no epoch).
std::unique_ptr<TrainingCallback> keep_best(const std::filesystem::path& out, models::KeepPolicy keep);

/// The checkpoint (weights, optimizer, history) after every `every`-th epoch.
std::unique_ptr<TrainingCallback> save_checkpoint(const TrainingCheckpoint& checkpoint,
                                                  const models::MultiTensorAdam& optimizer, int every);

/// `out`/losses.csv, and its plot training_curves.png titled `title` where gnuplot is installed.
std::unique_ptr<TrainingCallback> loss_log(const std::filesystem::path& out, std::string title);

/// The epoch of `history` that `keep` chooses (0 when it chooses none).
int kept_epoch(models::KeepPolicy keep, const std::vector<EpochRecord>& history);

}  // namespace irrev::pipeline::detail
