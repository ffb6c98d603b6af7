#pragma once
// Private to the report: RSR against complexity, and its spread over the permutations.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "irrev/pipeline/rsr_records.hpp"

namespace irrev::report::detail {

/// RSR (percent) against complexity with the 95 % interval as a band, from summary.json's
/// "rsr" rows of one extractor, mode and plan; appends the PNG to `pngs`.
void plot_rsr(const std::vector<pipeline::RsrRecord>& rows, const std::string& ext, pipeline::AttackMode mode,
              const std::string& plan, const std::filesystem::path& dir, std::vector<std::filesystem::path>& pngs);

/// Box plots of the per-permutation type-I RSR within each complexity (from an attack.h5), one
/// PNG per plan named after `tag` (the extractor, and the mode where not plain).
void plot_spread(const std::filesystem::path& attack, const std::string& tag, const std::filesystem::path& dir,
                 std::vector<std::filesystem::path>& pngs);

}  // namespace irrev::report::detail
