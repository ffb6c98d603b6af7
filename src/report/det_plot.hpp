#pragma once
// Private to the report: DET curves (probit axes) from a verify.h5's all-vs-all histograms.
#include <filesystem>
#include <string>

namespace irrev::report::detail {

/// One curve per protection in `verify` (unprotected, then PE-MIU per block size): writes the
/// points to `dat` and draws `png`.
void plot_det(const std::filesystem::path& verify, const std::filesystem::path& dat, const std::filesystem::path& png,
              const std::string& extractor);

}  // namespace irrev::report::detail
