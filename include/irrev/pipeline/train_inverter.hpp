#pragma once
/// `irrev train-inverter`: train the attacker's inversion network on the templates of the
/// training identities (disjoint from the evaluation identities), through the frozen extractor
/// for the identity loss. Checkpoints every epoch and resumes after a kill with the same
/// weights; validation loss, a sample grid PNG (originals above reconstructions) and a loss
/// row per epoch; at the end the type-I RSR on unprotected evaluation templates.
#include <string>

#include "irrev/models/inverter_config.hpp"

#include "irrev/pipeline/training_summary.hpp"

namespace irrev::dist {
class Communicator;
}

namespace irrev::pipeline {

struct TrainInverterOptions {
  std::string crops;
  std::string templates;   ///< from the same crops, by the extractor below
  std::string extractor;   ///< .pt (the ID loss and the RSR re-embed through it)
  std::string out_dir;     ///< inverter.pt, checkpoint/, samples/, losses.csv
  std::string thresholds;  ///< verify.h5 whose unprotected rows give the FMR thresholds (optional)
  /// The set the final RSR is measured on when the training set is a collection of its own
  /// (config.eval_share 0): every subject of it. Empty: the training set's evaluation side.
  std::string eval_crops, eval_templates;
  models::InverterTrainingConfig config;
  bool progress = true;
  /// Checkpoint after every this many epochs (1: every epoch). Larger on fast GPUs, where an
  /// epoch of LFW takes seconds and the reference model's checkpoint (weights and Adam's
  /// moments, ~200 MB) would take a sizeable share of them.
  int checkpoint_every = 1;
  /// A checkpoint of another training in out_dir: an error (false), or discarded with a warning
  /// (true; `irrev run` owns its inverter folders and retrains when the configuration changed).
  bool replace_foreign_checkpoint = false;
  /// > 0: every epoch stops after this many batches (benchmarks time a step without an epoch).
  std::int64_t epoch_batches = 0;
};

/// Runs on every rank of `comm` (data-parallel, gradients all-reduced); returns the summary on
/// rank 0 (a default one elsewhere).
TrainingSummary run_train_inverter(const dist::Communicator& comm, const TrainInverterOptions& options);

/// The training topology of `irrev train-inverter` and of `irrev run`: alone, rank 0 trains;
/// otherwise rank 0 (the master) waits, ranks 1..trainers train data-parallel, each taking as
/// threads the cores its node's waiting ranks leave free, and the other ranks wait; waiting
/// ranks sleep, not spin. One trainer keeps batch norm over the whole batch (several split it).
/// Returns the summary on rank 0 and on every waiting rank.
TrainingSummary train_inverter_on_ranks(const dist::Communicator& comm, const TrainInverterOptions& options,
                                        int trainers);

}  // namespace irrev::pipeline
