#pragma once
/// What a finished attack reports, as it travels from attack.h5's summary to a run's
/// summary.json, its tables and the report: one struct, converted to and from JSON in one place
/// (attack_summary.cpp), so that the writer and the readers cannot disagree on a key.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "irrev/pipeline/attack_mode.hpp"
#include "irrev/pipeline/rsr_records.hpp"
#include "irrev/pipeline/thresholds.hpp"

namespace irrev::pipeline {

struct AttackSummary {
  std::string status = "complete";
  std::string out;  ///< the attack.h5 it describes
  std::int64_t templates = 0, templates_with_second_image = 0, female = 0, male = 0;
  Thresholds thresholds;  ///< (its `pairs` is not recorded)
  int ranks = 1;
  std::string device, precision;
  AttackMode mode = AttackMode::plain;
  std::string recovery_method;  ///< with the unshuffled mode: how the block order was recovered
  std::string resumed;          ///< "no", or what the run resumed from
  double seconds = 0;
  std::int64_t samples = 0;
  double samples_per_second = 0;  ///< of the samples this run computed
  std::int64_t units = 0, units_run = 0, checkpoints = 0;
  double unit_compute_seconds_mean = 0, master_seconds_per_unit = 0, checkpoint_seconds_total = 0;
  std::vector<int> stalled_ranks;
  std::vector<RsrRecord> rsr, unprotected_rsr;
  std::vector<ExpectedRsrRecord> expected_rsr_uniform;
  std::vector<RecoveryRecord> recovery;  ///< where a block-position model ran
  std::vector<TargetedRecord> targeted;  ///< where the targeted attack ran

  /// The mode as summary.json and the report spell it: "plain", or "unshuffled (recovery method)".
  std::string mode_text() const;
};

void to_json(nlohmann::json& j, const AttackSummary& s);
/// Reads summaries of earlier versions too: a run figure they lack keeps its default.
void from_json(const nlohmann::json& j, AttackSummary& s);

}  // namespace irrev::pipeline
