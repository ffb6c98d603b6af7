#pragma once
/// `irrev run JOB.toml`: the stages a job names, in data-flow order, each skipped when its
/// output exists and was made from the same inputs and settings (its "stage_key" attribute).
#include <string>

#include "irrev/config/job_config.hpp"

namespace irrev::dist {
class Communicator;
}

namespace irrev::pipeline {

struct RunOptions {
  bool force = false;  ///< rerun every stage
  bool progress = true;
};

/// Runs on every rank; returns the summary JSON (complete on rank 0). "status" is "complete" or
/// "resumable" (a signal stopped an attack, or a rank stalled: "stalled_ranks" names them, and
/// the caller must end the job without another collective call).
std::string run_job(const dist::Communicator& comm, const config::JobConfig& job, const RunOptions& options);

/// True when `path` exists and holds stage_key == `key` (an unreadable file is not up to date).
bool up_to_date(const std::string& path, const std::string& key);

}  // namespace irrev::pipeline
