#pragma once
/// What `irrev run` leaves for people and scripts: DIR/summary.json (the RSR tables of every
/// extractor's attack, fractions), DIR/rsr_by_complexity.csv (shaped like the reference study's
/// table, percent), DIR/rsr_detail.csv (every row with its spread), and a text table.
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace irrev::pipeline {

/// Write the files from run_job's summary (JobOutcome::summary) into `run_dir`; returns the RSR table as Markdown
/// (empty when the job ran no attack).
std::string write_run_summary(const std::string& run_dir, const nlohmann::json& job_summary);

}  // namespace irrev::pipeline
