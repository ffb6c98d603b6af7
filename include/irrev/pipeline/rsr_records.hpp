#pragma once
/// The attack's result rows as they travel from attack.h5's summary to a run's summary.json,
/// its CSV tables and the report: one struct each, converted to and from JSON in one place
/// (rsr_records.cpp), so that the writer and the readers cannot disagree on a key.
#include <nlohmann/json.hpp>
#include <string>

#include "irrev/attack/rsr_summary.hpp"

namespace irrev::pipeline {

/// One row of RSR by complexity. `extractor` and `mode` are set once a run's summary gathers
/// the attacks; `plan` is empty in a checkpoint's partial table (grouped by plan there).
struct RsrRecord {
  std::string extractor, mode, plan;
  attack::RsrRow row;
};

/// The expected RSR under uniform PE-MIU of one plan, type and FMR.
struct ExpectedRsrRecord {
  std::string extractor, mode, plan;
  attack::ExpectedRsr expected;
};

/// "I" or "II".
std::string type_name(int type);

void to_json(nlohmann::json& j, const RsrRecord& r);
void from_json(const nlohmann::json& j, RsrRecord& r);
void to_json(nlohmann::json& j, const ExpectedRsrRecord& r);
void from_json(const nlohmann::json& j, ExpectedRsrRecord& r);

}  // namespace irrev::pipeline
