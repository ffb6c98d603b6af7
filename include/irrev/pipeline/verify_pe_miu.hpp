#pragma once
/// `irrev verify`: verification performance of unprotected and PE-MIU protected templates.
///
/// For each protection (unprotected, and PE-MIU at each block size b dividing D), scores of
///  - the LFW View 2 pairs, kept exactly (6,000 scores), and
///  - all-vs-all: every pair i < j of the set (genuine when the subjects match), reduced into
///    fixed-bin histograms; rates are read at bin edges, where the tallies are exact and the
///    threshold is within one bin width of the exact one.
/// PE-MIU comparisons take the reference protected by its own keyed permutation (seed, i) and
/// the probe unprotected, as at verification time. Unlinkability (D_sys) uses the View 2 pairs:
/// mated = genuine pairs with both sides protected under different permutations.
/// Reference rows are units of work over the ranks; the counts do not depend on the rank count.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "irrev/core/enum_names.hpp"
#include "irrev/metrics/error_rates.hpp"

namespace irrev::dist {
class Communicator;
}

namespace irrev::pipeline {

/// lfw-view2: LFW's 10-fold accuracy; error-rates: PE-MIU's error rates per block size.
enum class VerifyProtocol { lfw_view2, error_rates };
/// The pairs the error-rates protocol scores: LFW View 2's, every pair of the set, or both.
enum class PairSet { lfw_view2, all_vs_all, both };
inline bool has_view2(PairSet p) { return p != PairSet::all_vs_all; }
inline bool has_all_vs_all(PairSet p) { return p != PairSet::lfw_view2; }

/// What the error-rates protocol measures, apart from its files: one struct that `irrev verify`'s
/// options and a job's [verify] table both fill, each option listed once.
struct VerifySettings {
  std::vector<int> blocks{16, 32, 64, 128};  ///< block sizes (values per block; in a job: those dividing D)
  PairSet pairs = PairSet::both;
  std::uint64_t seed = 2021;  ///< key of the PE-MIU permutations (a job's gender study takes it too)

  /// Throws an InputError naming `where` for a value out of range.
  void validate(const std::string& where) const;
  template <class Visit>
  void each_option(Visit&& visit) {
    visit("blocks", blocks, "error-rates: PE-MIU block sizes (values per block)");
    visit("pairs", pairs, "error-rates: lfw-view2, all-vs-all or both");
    visit("seed", seed, "error-rates: key of the PE-MIU permutations");
  }
};

struct VerifyOptions {
  /// Set by `irrev run`: the stage key (what the result depends on), written into the output
  /// before it takes its final name, never into a committed file.
  std::string stage_key;
  std::string templates;
  VerifySettings settings;
  std::string out;  ///< verify.h5 (optional)
  /// When set, the View 2 scores of each protection go to <dir>/<protection>_{genuine,impostor}.txt,
  /// one per line, %.17g: the files bob.measure or pyeer read.
  std::string scores_dir;
  int bins = 20000;  ///< histogram bins over [-1, 1]
  std::int64_t unit_rows = 64;
  std::int64_t limit = 0;  ///< all-vs-all over the first `limit` templates only (0: all)
  bool progress = true;
};

struct VerifyRow {
  std::string protection;  ///< "unprotected" or the block size
  std::string pairs;       ///< "lfw-view2" or "all-vs-all"
  std::int64_t genuine = 0, impostor = 0;
  metrics::Eer eer;
  metrics::OperatingPoint fmr_0_1, fmr_1;  ///< FMR 0.1 % and 1 %
  double threshold_resolution = 0;         ///< 0 where exact, else the bin width
  double d_sys = -1;                       ///< View 2 rows of PE-MIU only
};

std::vector<VerifyRow> run_verify(const dist::Communicator& comm, const VerifyOptions& options);

std::string verify_table_csv(const std::vector<VerifyRow>& rows);
nlohmann::ordered_json verify_table(const std::vector<VerifyRow>& rows);

}  // namespace irrev::pipeline

template <>
struct irrev::EnumNames<irrev::pipeline::VerifyProtocol> {
  static constexpr std::string_view what = "protocol";
  static constexpr std::array<std::string_view, 2> names{"lfw-view2", "error-rates"};
};

template <>
struct irrev::EnumNames<irrev::pipeline::PairSet> {
  static constexpr std::string_view what = "pairs";
  static constexpr std::array<std::string_view, 3> names{"lfw-view2", "all-vs-all", "both"};
};
