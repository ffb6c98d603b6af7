#pragma once
// Private to `irrev unshuffle`: the templates each recovery is fitted and measured on, and the
// synthesis search over the ranks.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "irrev/attack/synthesis_search.hpp"
#include "irrev/attack/unshuffle.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/pipeline/unshuffle_eval.hpp"

namespace irrev::dist {
class Communicator;
}

namespace irrev::pipeline::detail {

struct UnshuffleSets {
  data::TemplateSet set;
  std::vector<float> train;              ///< the training identities' templates (the position models)
  std::vector<std::int64_t> eval;        ///< the first template of each evaluation subject
  std::vector<std::int64_t> second;      ///< another template of eval[i]'s subject, -1 where none
  std::vector<std::int64_t> validation;  ///< the first template of each validation subject
  std::int64_t train_count() const { return static_cast<std::int64_t>(train.size()) / set.dim; }
};

/// What the synthesis search found for one template: its candidates, best model order first.
/// The evaluation alone, which knows the truth, also keeps each candidate's reconstruction's
/// cosine with the attacked template (type I) and with the subject's other one (type II;
/// empty where there is none): the unshuffled attack's success with that candidate. Two more
/// entries follow the candidates': the plain attack's (the protected template inverted as it
/// is, kPlainEntry after the last candidate) and the unprotected template's (kUnprotectedEntry).
constexpr std::size_t kPlainEntry = 0, kUnprotectedEntry = 1;

struct SearchedTemplate {
  std::vector<attack::SynthesisCandidate> candidates;
  std::vector<double> type1, type2;
  double true_log_likelihood = 0;  ///< the true order's, under the position model
  double seconds = 0;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& candidates& type1& type2& true_log_likelihood& seconds;
  }
};

/// Per block count: the searches of the validation templates (what the weight is fitted on)
/// and of the evaluation templates, in the order of UnshuffleSets.
struct SearchResults {
  std::vector<SearchedTemplate> validation, eval;
};

/// The protected form a search is shown: template `index` of the validation or evaluation list
/// under its first uniform draw (evaluation draws are those `evaluate_placements` makes).
protect::Permutation search_draw(int blocks, std::uint64_t seed, bool validation, std::int64_t index);

/// Every search over the ranks' work queue (collective; each template is a unit, so the
/// results do not depend on the number of ranks). On rank 0: one SearchResults per block count.
/// `models`: the position models per block count; `joint`: the joint model, where the options'
/// proposals are its orders. `key` (rank 0): what the checkpoint must have been made under.
/// Every rank returns whether the search completed (false: stopped by a signal, checkpointed).
bool run_synthesis_search(const UnshuffleEvalOptions& options, const UnshuffleSets& sets,
                          const std::vector<attack::BlockPositionModel>& models,
                          const attack::JointTemplateModel* joint, const std::string& key,
                          const dist::Communicator& comm, std::vector<SearchResults>& out);

/// The figures of one block count's searches: the weight fitted on the validation templates,
/// the synthesis, synthesis-only and position-model recoveries, the ceiling (true order among
/// the candidates), recovery against K and the cost. `placements_out` receives the placements
/// of each method by name (for unshuffle.h5).
nlohmann::ordered_json synthesis_figures(
    const UnshuffleEvalOptions& options, const UnshuffleSets& sets, int blocks, const SearchResults& searched,
    std::vector<std::pair<std::string, std::vector<attack::Placement>>>& placements_out);

}  // namespace irrev::pipeline::detail
