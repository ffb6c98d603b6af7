#pragma once
/// The attack's result rows as they travel from attack.h5's summary to a run's summary.json,
/// its CSV tables and the report: one struct each, converted to and from JSON in one place
/// (rsr_records.cpp), so that the writer and the readers cannot disagree on a key.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "irrev/attack/rsr_summary.hpp"
#include "irrev/attack/unshuffle.hpp"
#include "irrev/pipeline/attack_mode.hpp"

namespace irrev::pipeline {

/// One row of RSR by complexity. `extractor` and `mode` are set once a run's summary gathers
/// the attacks (an attack's own rows have no extractor, and their JSON no mode: the attack is
/// one mode); `plan` is empty in a checkpoint's partial table (grouped by plan there).
struct RsrRecord {
  std::string extractor;
  AttackMode mode = AttackMode::plain;
  std::string plan;
  attack::RsrRow row;
};

/// The expected RSR under uniform PE-MIU of one plan, type and FMR.
struct ExpectedRsrRecord {
  std::string extractor;
  AttackMode mode = AttackMode::plain;
  std::string plan;
  attack::ExpectedRsr expected;
};

/// How well the block order was recovered on one plan's attacked templates (under uniform
/// PE-MIU), by the model the attack recovered with (`model`, fitted on `model_templates`).
struct RecoveryRecord {
  std::string extractor;
  AttackMode mode = AttackMode::plain;
  std::string plan, model;
  std::int64_t model_templates = 0;
  attack::UnshuffleMetrics metrics;
};

/// The targeted attack on one plan (templates estimated at `max_estimated_complexity` or below):
/// its yield and precision per true complexity; row.complexity < 0 is uniform PE-MIU. A rate
/// with nothing to count is NaN (null in JSON).
struct TargetedRecord {
  std::string extractor;
  AttackMode mode = AttackMode::plain;
  std::string plan;
  int max_estimated_complexity = -1;
  attack::TargetedRow row;
};

/// "I" or "II".
std::string type_name(int type);

void to_json(nlohmann::json& j, const RsrRecord& r);
void from_json(const nlohmann::json& j, RsrRecord& r);
void to_json(nlohmann::json& j, const ExpectedRsrRecord& r);
void from_json(const nlohmann::json& j, ExpectedRsrRecord& r);
void to_json(nlohmann::json& j, const RecoveryRecord& r);
void from_json(const nlohmann::json& j, RecoveryRecord& r);
void to_json(nlohmann::json& j, const TargetedRecord& r);
void from_json(const nlohmann::json& j, TargetedRecord& r);

}  // namespace irrev::pipeline
