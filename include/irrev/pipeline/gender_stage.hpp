#pragma once
/// `irrev gender`: does protection hide gender? SVMs (poly, rbf, sigmoid; scikit-learn's
/// defaults) by stratified k-fold cross-validation on a gender-balanced set of templates (one
/// image per subject, the best detection score), unprotected, PE-MIU protected at each block
/// size and, with an inverter, the re-embedded reconstructions of the unprotected templates.
/// Work units are (protection, kernel, fold) over the ranks; the table does not depend on them.
#include <cstdint>
#include <string>
#include <vector>

namespace irrev::dist {
class Communicator;
}

namespace irrev::pipeline {

struct GenderOptions {
  std::string templates;
  std::string crops;                       ///< detection scores choose each subject's image
  std::vector<int> blocks{16, 32, 64, 128};  ///< values per block (those dividing D are used)
  std::string inverter, extractor;         ///< both or neither: adds the "reconstructed" row
  std::string device = "cpu";
  std::int64_t max_templates = 0;          ///< 0: every labelled subject the balance allows
  int folds = 10;
  std::uint64_t seed = 2021;               ///< folds, subset and PE-MIU keys
  std::string out_csv;                     ///< the table, shaped like paper_gender_svm.csv
  bool progress = true;
};

/// Runs on every rank; returns the table as JSON on rank 0.
std::string run_gender(const dist::Communicator& comm, const GenderOptions& options);

}  // namespace irrev::pipeline
