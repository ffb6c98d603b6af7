#pragma once
/// The raw statistics of an attack (DESIGN: reduce counts, never means). A work unit's result
/// is a UnitResult; the master adds them into one PlanTally per plan. Every number in the RSR
/// tables derives from these integers, so any split of the work gives the same tables.
#include <cstdint>
#include <vector>

namespace irrev::attack {

/// What is counted per plan entry (permutation).
enum Outcome : int {
  kTriedType1 = 0,  ///< templates attacked
  kTriedType2,      ///< of those, templates with a type-II reference (another image)
  kType1Fmr01,      ///< type-I score >= threshold at FMR 0.1 %
  kType1Fmr1,       ///< ... at FMR 1 %
  kType2Fmr01,
  kType2Fmr1,
  /// The targeted attack (attack only templates whose estimated complexity is at most K):
  kSelected,       ///< templates selected
  kSelectedFmr01,  ///< of those, type-I successes at FMR 0.1 %
  kSelectedFmr1,   ///< ... at FMR 1 %
  kOutcomes
};

/// Score histograms per complexity and type: bins over [-1, 1], 0.01 wide (the rule:
/// src/attack/score_bins.hpp).
constexpr int kScoreBins = 200;

/// What the fp32 recheck (bf16-checked, bf16-all-checked) did: samples scored, samples computed
/// again, and the largest difference it found between a low-precision score and its fp32 value
/// (the margin must stay well above it for the decisions to be fp32's).
struct RecheckStats {
  std::int64_t scored = 0, rechecked = 0;
  double max_difference = 0;

  void add(const RecheckStats& o) {
    scored += o.scored;
    rechecked += o.rechecked;
    max_difference = o.max_difference > max_difference ? o.max_difference : max_difference;
  }
  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& scored& rechecked& max_difference;
  }
};

/// One work unit's result: plan entries [first, first + entries) on one shard of templates.
struct UnitResult {
  std::int32_t plan = 0;
  std::int64_t first = 0;
  std::int64_t entries = 0;
  std::vector<std::int64_t> counts;  ///< entries x kOutcomes
  /// Sparse histogram increments: key = (complexity * 2 + type) * kScoreBins + bin, type 0 = I.
  std::vector<std::uint32_t> hist_keys;
  std::vector<std::uint32_t> hist_counts;
  RecheckStats recheck;  ///< this unit's fp32 recheck (a log figure, not a result)

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& plan& first& entries& counts& hist_keys& hist_counts& recheck;
  }
};

/// What a grant of units added to one plan: counts per plan entry (an entry twice where two
/// units tried it on different templates), the histogram increments summed. Flat arrays, so that
/// a grant of thousands of units costs the master a copy and adds, not an object per unit.
struct PlanDelta {
  std::int32_t plan = 0;
  std::vector<std::int64_t> entries;     ///< plan entries, in the order the units came
  std::vector<std::int64_t> counts;      ///< entries x kOutcomes
  std::vector<std::uint32_t> hist_keys;  ///< ascending
  std::vector<std::uint32_t> hist_counts;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& plan& entries& counts& hist_keys& hist_counts;
  }
};

/// Several units' results merged on their worker (one grant of the work queue, one message to
/// the master): per plan, each entry's counts and the summed histogram.
struct MergedUnits {
  std::vector<PlanDelta> plans;  ///< one per plan met, in the order met
  RecheckStats recheck;

  void add(const UnitResult& unit);
  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& plans& recheck;
  }
};

/// The merged statistics of one plan.
struct PlanTally {
  int blocks = 0;
  std::vector<std::int64_t> counts;      ///< plan entries x kOutcomes
  std::vector<std::int64_t> histograms;  ///< (blocks + 1) x 2 x kScoreBins

  PlanTally() = default;
  PlanTally(int blocks, std::int64_t entries);
  std::int64_t entries() const { return static_cast<std::int64_t>(counts.size()) / kOutcomes; }
  std::int64_t count(std::int64_t entry, Outcome o) const {
    return counts[static_cast<std::size_t>(entry * kOutcomes + o)];
  }
  std::int64_t* histogram(int complexity, int type) {
    return histograms.data() + (static_cast<std::size_t>(complexity) * 2 + static_cast<std::size_t>(type)) * kScoreBins;
  }
  /// Add a unit's result, or a grant's delta (an InternalError if it does not fit this plan).
  void add(const UnitResult& unit);
  void add(const PlanDelta& delta);
};

}  // namespace irrev::attack
