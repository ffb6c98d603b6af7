#pragma once
/// `irrev attack`: the main job. Rank 0 cuts the plans x the template selection into work
/// units, hands them out, merges the workers' counts and checkpoints them (HDF5, atomic); the
/// workers run the per-shard attack. A killed or signalled job continues from its checkpoint
/// with the same command; the final counts do not depend on ranks, unit size or resumes.
#include <cstdint>
#include <string>
#include <vector>

#include "irrev/attack/attack_plan.hpp"
#include "irrev/attack/template_selection.hpp"

namespace irrev::dist {
class Communicator;
}

namespace irrev::pipeline {

struct AttackOptions {
  std::string templates;   ///< templates.h5 (unprotected)
  std::string crops;       ///< crops.h5 of the same images (detection scores choose the image per subject)
  std::string extractor;   ///< the extractor the templates came from (.pt): re-embeds reconstructions
  std::string inverter;    ///< inverter.pt trained through that extractor
  std::string thresholds;  ///< verify.h5 of that extractor (unprotected impostor scores)
  std::string out;         ///< attack.h5; the checkpoint is written beside it
  std::vector<attack::PlanSpec> plans;
  attack::SelectionSpec selection;
  /// The identity split of the selection; < 0: the inverter's own (from its file).
  std::int64_t split_seed = -1;
  double eval_share = -1;
  std::int64_t templates_per_unit = 64;  ///< a multiple of batch
  std::int64_t entries_per_unit = 4;     ///< permutations per unit
  int batch = 32;
  std::string device = "cpu";            ///< "cuda": worker w takes GPU (local rank - 1) mod count
  std::string precision = "fp32";
  bool cuda_graph = false;               ///< replay each batch's forward as a CUDA graph (cuda only)
  std::string upsampling = "subpixel";   ///< the generator's stride-2 stages: subpixel or transposed
  bool fused_relu = false;               ///< cuDNN's fused convolution + bias + ReLU (cuda only)
  std::string layout = "nhwc";           ///< activation layouts (attack::layout_names())
  /// cuDNN's timed algorithm choice (cuda only): faster perhaps, but scores may differ in the
  /// last bits between ranks and runs.
  bool cudnn_benchmark = false;
  /// Recover the block order first (a block-position model fitted on the templates of the
  /// inverter's training identities), then invert: the attack without a second sample.
  bool unshuffle = false;
  /// "diagonal" or "full": the block-position model's covariance per position.
  std::string unshuffle_model = "diagonal";
  /// >= 0: also count the targeted attack that selects templates estimated at this complexity or below.
  int targeted_max_complexity = -1;
  double checkpoint_seconds = 60;
  /// A work unit not returned within this multiple of the mean unit time (at least 10 s) goes
  /// to another worker, and its rank is reported as stalled; 0: wait for ever.
  double unit_deadline_factor = 10;
  bool progress = true;
};

struct AttackOutcome {
  bool complete = false;
  std::string summary_json;  ///< rank 0: tables (complete) or the checkpoint state (stopped)
  /// Rank 0: workers that missed a unit's deadline and never answered again. The results are
  /// whole without them, but they take no part in anything after: the caller ends the job.
  std::vector<int> stalled_ranks;
};

AttackOutcome run_attack(const dist::Communicator& comm, const AttackOptions& options);

/// The settings of an attack that its counts depend on (unit, batch, device kind, precision,
/// the forward pass's form, recovery), as JSON: part of both the checkpoint's key and `irrev
/// run`'s up-to-date key, so that neither misses one.
std::string attack_settings_json(const AttackOptions& options);

/// The checkpoint file of an attack writing `out`.
std::string attack_checkpoint_path(const std::string& out);

/// `irrev status`: the state of every attack (finished, running or resumable) in a run folder.
std::string attack_status_json(const std::string& run_dir);

}  // namespace irrev::pipeline
