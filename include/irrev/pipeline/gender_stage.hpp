#pragma once
/// `irrev gender`: does protection hide gender? SVMs (poly, rbf, sigmoid; scikit-learn's
/// defaults) by stratified k-fold cross-validation on a gender-balanced set of templates (one
/// image per subject, the best detection score), unprotected, PE-MIU protected at each block
/// size and, with an inverter, the re-embedded reconstructions of the unprotected templates.
/// Work units are (protection, kernel, fold) over the ranks; the table does not depend on them.
#include <array>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "irrev/core/device.hpp"

namespace irrev::dist {
class Communicator;
}

namespace irrev::pipeline {

/// What the gender study does, apart from its files, device and key: one struct that `irrev
/// gender`'s options and a job's [gender] table both fill, each option listed once.
struct GenderSettings {
  std::vector<int> blocks{16, 32, 64, 128};  ///< values per block (in a job: those dividing D)
  std::int64_t max_templates = 0;            ///< 0: every labelled subject the balance allows
  int folds = 10;

  /// Throws an InputError naming `where` for a value out of range.
  void validate(const std::string& where) const;
  template <class Visit>
  void each_option(Visit&& visit) {
    visit("blocks", blocks, "Values per block of the PE-MIU rows");
    visit("max_templates", max_templates, "At most this many templates (0: all)");
    visit("folds", folds, "Cross-validation folds");
  }
};

struct GenderOptions {
  std::string templates;
  std::string crops;                ///< detection scores choose each subject's image
  std::string inverter, extractor;  ///< both or neither: adds the "reconstructed" row
  Device device;                    ///< of the reconstructions
  GenderSettings settings;
  std::uint64_t seed = 2021;  ///< folds, subset and PE-MIU keys
  std::string out_csv;        ///< the table, shaped like paper_gender_svm.csv
  bool progress = true;
};

/// One protection's row: the SVMs' mean accuracy over the folds and its spread (numpy's
/// standard deviation, as scikit-learn reports it), per kernel: poly, rbf, sigmoid.
struct GenderRow {
  std::string protection;  ///< "unprotected", "pe-miu-<values per block>" or "reconstructed"
  std::int64_t templates = 0;
  std::array<double, 3> mean{}, sd{};
};

struct GenderTable {
  std::int64_t templates = 0, female = 0, male = 0, unlabelled_subjects = 0;
  int folds = 0;
  std::vector<GenderRow> rows;
};

void to_json(nlohmann::json& j, const GenderTable& t);
void from_json(const nlohmann::json& j, GenderTable& t);

/// Runs on every rank; returns the table on rank 0 (and writes options.out_csv there).
GenderTable run_gender(const dist::Communicator& comm, const GenderOptions& options);

}  // namespace irrev::pipeline
