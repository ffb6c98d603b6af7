#pragma once
/// `irrev run JOB.toml`: the stages a job names, in data-flow order, each skipped when its
/// output exists and was made from the same inputs and settings (its "stage_key" attribute).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "irrev/config/job_config.hpp"

namespace irrev::dist {
class Communicator;
}

namespace irrev::run {

struct RunOptions {
  bool force = false;  ///< rerun every stage
  bool progress = true;
};

/// How a job ended.
struct JobOutcome {
  /// The summary (rank 0's is complete): summary.json's "job" section, whose "status" is
  /// "complete" or "resumable".
  nlohmann::json summary;
  /// A signal stopped an attack, or ranks stalled: the same command continues.
  bool resumable = false;
  /// Rank 0: the ranks given up on; the caller must end the job without another collective call.
  std::vector<int> stalled_ranks;
};

/// Runs on every rank.
JobOutcome run_job(const dist::Communicator& comm, const config::JobConfig& job, const RunOptions& options);

/// True when `path` exists and holds stage_key == `key` (an unreadable file is not up to date).
bool up_to_date(const std::string& path, const std::string& key);

}  // namespace irrev::run
