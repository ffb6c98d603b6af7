#pragma once
// Private to the attack stage: the finished attack's file (attack.h5, schema "irrev attack 1"
// in docs/hdf5_schema.md) and the summary it carries.
#include <cstdint>
#include <string>
#include <vector>

#include "attack_checkpoint.hpp"
#include "attack_inputs.hpp"
#include "irrev/attack/attack_tally.hpp"
#include "irrev/pipeline/attack_summary.hpp"

namespace irrev::pipeline::detail {

/// What the run itself measured (not part of the counts).
struct AttackRunFigures {
  int ranks = 1;
  std::string resumed = "no";
  double seconds = 0;
  std::int64_t samples_total = 0, samples_before = 0;  ///< all samples; those done before this run
  std::int64_t units = 0, units_run = 0, checkpoints = 0;
  double compute_seconds = 0, master_seconds = 0, checkpoint_seconds = 0;
  std::vector<int> stalled_ranks;
  attack::RecheckStats recheck;  ///< the units merged in this run
};

/// Writes `options.out` whole (atomic) and returns its summary.
AttackSummary write_attack_result(const AttackOptions& options, const std::string& key, const PreparedAttack& prepared,
                                  const AttackState& state, const AttackRunFigures& figures);

}  // namespace irrev::pipeline::detail
