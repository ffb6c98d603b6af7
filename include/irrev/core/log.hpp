#pragma once
/// Logging: one spdlog logger whose lines name the rank ("[rank 2]"), so that a structured
/// log of many ranks (or one file per rank under SLURM) says who wrote what.
#include <spdlog/spdlog.h>

#include <string>

namespace irrev {

/// Set up the process-wide logger. `level` is one of trace, debug, info, warn, error.
/// When `file` is not empty the lines go there too (one file per rank: pass a per-rank name).
void init_logging(int rank, const std::string& level = "info", const std::string& file = "");

}  // namespace irrev
