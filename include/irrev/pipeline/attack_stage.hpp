#pragma once
/// `irrev attack`: the main job. Rank 0 cuts the plans x the template selection into work
/// units, hands them out, merges the workers' counts and checkpoints them (HDF5, atomic); the
/// workers run the per-shard attack. A killed or signalled job continues from its checkpoint
/// with the same command; the final counts do not depend on ranks, unit size or resumes.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "irrev/pipeline/attack_settings.hpp"
#include "irrev/pipeline/attack_summary.hpp"

namespace irrev::dist {
class Communicator;
}

namespace irrev::pipeline {

struct AttackOptions {
  /// Set by `irrev run`: the stage key (what the result depends on), written into the output
  /// before it takes its final name, never into a committed file.
  std::string stage_key;
  std::string templates;   ///< templates.h5 (unprotected)
  std::string crops;       ///< crops.h5 of the same images (detection scores choose the image per subject)
  std::string extractor;   ///< the extractor the templates came from (.pt): re-embeds reconstructions
  std::string inverter;    ///< inverter.pt trained through that extractor
  std::string thresholds;  ///< verify.h5 of that extractor (unprotected impostor scores)
  std::string out;         ///< attack.h5; the checkpoint is written beside it
  /// The identity split of the selection; < 0: the inverter's own (from its file).
  std::int64_t split_seed = -1;
  double eval_share = -1;
  AttackSettings settings;
  bool progress = true;
};

/// Where a stopped attack's state is kept: the same command continues from it.
struct AttackStopped {
  std::string checkpoint;
  std::int64_t samples_done = 0, samples_total = 0;
};

struct AttackOutcome {
  bool complete = false;
  AttackSummary summary;  ///< rank 0, complete: what attack.h5 holds
  AttackStopped stopped;  ///< rank 0, stopped by a signal
  /// Rank 0: workers that missed a unit's deadline and never answered again. The results are
  /// whole without them, but they take no part in anything after: the caller ends the job.
  std::vector<int> stalled_ranks;
};

AttackOutcome run_attack(const dist::Communicator& comm, const AttackOptions& options);

/// What `irrev attack` prints and a job's summary records of an attack (rank 0): its summary,
/// or, stopped, {"status": "resumable", "checkpoint", "samples_done", "samples_total"}.
nlohmann::json outcome_json(const AttackOutcome& outcome);

/// The settings of an attack that its counts depend on (unit, batch, device kind, precision,
/// the forward pass's form, recovery), as JSON: part of both the checkpoint's key and `irrev
/// run`'s up-to-date key, so that neither misses one.
nlohmann::json attack_settings_json(const AttackSettings& settings);

/// How many work units an attack of `plans` on `templates` templates has: each plan's entries
/// in runs of `per_entries`, times the templates in shards of `per_templates`.
std::int64_t attack_units(const std::vector<attack::Plan>& plans, std::int64_t templates, std::int64_t per_entries,
                          std::int64_t per_templates);

/// The checkpoint file of an attack writing `out`.
std::string attack_checkpoint_path(const std::string& out);

/// `irrev status`: the state of every attack (finished, running or resumable) in a run folder.
std::string attack_status_json(const std::string& run_dir);

}  // namespace irrev::pipeline
