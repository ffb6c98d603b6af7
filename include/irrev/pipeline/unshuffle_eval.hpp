#pragma once
/// `irrev unshuffle`: fit the block-position model on the templates of training identities
/// and measure, on the evaluation identities (one template each, the first image of each
/// subject), how well it recovers known PE-MIU permutations, per block count. With the
/// synthesis method, the model's most likely orders are also inverted and re-embedded (the
/// synthesis search, over the ranks), and the order whose face re-embeds to itself is taken.
/// Beside every method: the bound of an attacker who holds a second image of the subject.
#include <cstdint>
#include <string>
#include <vector>

#include "irrev/attack/forward_settings.hpp"
#include "irrev/attack/synthesis_search.hpp"
#include "irrev/attack/unshuffle.hpp"
#include "irrev/core/device.hpp"

namespace irrev::dist {
class Communicator;
}

namespace irrev::pipeline {

struct UnshuffleEvalOptions {
  std::string templates;  ///< templates.h5 (unprotected)
  std::vector<int> blocks{4, 8, 16};
  std::uint64_t split_seed = 2021;  ///< the identity split (the inverter's defaults)
  double eval_share = 0.25;
  int uniform = 8;                 ///< uniform PE-MIU permutations per evaluation template
  int per_complexity = 2;          ///< and this many per complexity
  std::int64_t max_templates = 0;  ///< 0: every evaluation subject
  std::uint64_t seed = 2021;       ///< the permutations' draws
  /// diagonal, full: the block-position model alone; synthesis: the search (synthesis_search.hpp).
  attack::UnshuffleModel method = attack::UnshuffleModel::diagonal;
  std::string out;      ///< optional unshuffle.h5: every template's recovered placement per method
  int joint_beam = 64;  ///< joint: the beam's width beyond 8 blocks (JointTemplateModel::score)
  /// The control where the blocks carry no order of their own: the models are fitted on the
  /// training templates with each one's blocks (at the finest block count) in a random order,
  /// so every position has the same statistics and only synthesis can tell an order.
  bool identical_blocks = false;

  // The synthesis search.
  std::string inverter, extractor;  ///< inverter.pt (trained through `extractor`) and the extractor
  Device device;
  attack::Precision precision = attack::Precision::fp32;
  int batch = 32;
  /// whose most likely orders the search starts from (and whose log-likelihood its rule weighs)
  attack::SynthesisProposals proposals = attack::SynthesisProposals::joint;
  int candidates = 64;  ///< the model's K most likely orders per template (n! at most)
  /// Where K >= n! every order is scored (no climb): each template's orders are split into
  /// work units of this many, so that one template's search spreads over the ranks.
  int chunk = 1024;
  /// Templates searched together: their candidates (and their reference attacks) share forward
  /// batches, which are padded to full size, so that a template whose candidates do not fill
  /// whole batches does not pay for padding (1: each template's candidates alone). Each template
  /// gets the candidates it gets alone; the group changes only the cost (bench/RESULTS.md).
  int search_group = 8;
  int exchange_rounds = 0;          ///< then rounds of hill climbing by exchanges of two blocks
  int climb_starts = 1;             ///< from this many of the model\'s candidates (the highest self-cosines)
  std::string thresholds;           ///< optional verify.h5: the unshuffled attack's RSR at its thresholds
  std::int64_t fit_templates = 64;  ///< validation identities' templates the combining weight is fitted on
  bool untrained_inverter = false;  ///< the control: the inverter's generator re-initialised (seeded)
  /// The synthesis or joint search's checkpoint (resumable_search.hpp); empty: `out` + ".checkpoint.h5" where
  /// there is an `out`, else none. Written every `checkpoint_seconds` and on a stop signal
  /// (SIGTERM, SIGUSR1), removed once the results are written.
  std::string checkpoint;
  double checkpoint_seconds = 60;
  std::string checkpoint_path() const {
    return !checkpoint.empty() ? checkpoint : out.empty() ? "" : out + ".checkpoint.h5";
  }

  void validate(const std::string& where) const;
};

struct UnshuffleOutcome {
  /// {"templates": ..., "extractor": ..., "training_templates": n, "results": [per block
  /// count]} on rank 0 (the others: ""); a stopped search: {"status": "resumable", ...}.
  std::string json;
  bool complete = true;  ///< false: stopped by a signal, its checkpoint saved (every rank)
};

/// Every rank calls it.
UnshuffleOutcome run_unshuffle_eval(const UnshuffleEvalOptions& options, const dist::Communicator& comm);

}  // namespace irrev::pipeline
