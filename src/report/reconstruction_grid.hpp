#pragma once
// Private to the report: a grid of reconstructions at rising permutation complexity.
#include <filesystem>
#include <string>

namespace irrev::report::detail {

/// Originals (left column) and their reconstructions from templates protected at rising
/// complexity (one permutation per complexity of the plan of `attack` with the most blocks),
/// four subjects; `work` holds the crops, templates and inverter of `ext`. Returns the PNG, or
/// an empty path in a build without OpenCV.
std::filesystem::path reconstruction_grid(const std::filesystem::path& attack, const std::filesystem::path& work,
                                          const std::string& ext, const std::filesystem::path& dir);

}  // namespace irrev::report::detail
