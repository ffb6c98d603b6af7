#pragma once
/// Recovering PE-MIU's block order by synthesis. The block-position model reads each block
/// alone; the synthesis search asks of a whole candidate order whether a face could have
/// produced it: the blocks put in that order are inverted to a face, the face is re-embedded by
/// the extractor, and the candidate scores by how well the re-embedding agrees with it (cosine).
/// The inverter learned to map real templates to faces that re-embed to themselves; a template
/// with its blocks in a wrong order is not one, and its face re-embeds elsewhere.
///
/// The candidates are a model's K most likely orders (the joint model's, or the block-position
/// model's; all n! of them when K >= n!), so the search can only find an order the model ranks
/// within K; the measured share of templates whose true order is among them is the search's
/// ceiling.
#include <cstddef>
#include <optional>
#include <vector>

#include "irrev/attack/joint_model.hpp"
#include "irrev/attack/unshuffle.hpp"
#include "irrev/core/enum_names.hpp"

namespace irrev::attack {

class AttackPipeline;

/// The model whose most likely orders the search starts from, and whose log-likelihood the
/// rule weighs: the full block-position model or the joint model of the whole template.
enum class SynthesisProposals { full, joint };

/// One protected template seen by the proposing model: its most likely orders and its
/// log-likelihood of any order.
class OrderProposals {
 public:
  /// The block-position model: the assignments of its score matrix, least cost first (Murty).
  OrderProposals(const BlockPositionModel& model, const float* protected_template);
  /// The joint model: its most likely orders (JointOrderScore::most_likely).
  OrderProposals(const JointTemplateModel& model, const float* protected_template, int blocks, int beam);

  int blocks() const { return m_n; }
  int dim() const { return m_dim; }
  std::vector<protect::Permutation> most_likely(int k) const;
  double log_likelihood(const protect::Permutation& q) const;

 private:
  int m_n, m_dim;
  std::vector<double> m_scores;  ///< the position model's (BlockPositionModel::scores)
  std::optional<JointOrderScore> m_joint;
};

/// One candidate order of a protected template and what the search measured of it.
struct SynthesisCandidate {
  protect::Permutation order;  ///< q: the original block at each position of the protected template
  double log_likelihood = 0;   ///< the position model's, summed over the blocks (up to a constant)
  double self_cosine = 0;      ///< cosine of the re-embedded reconstruction with the candidate template

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& order& log_likelihood& self_cosine;
  }
};

/// How far the search looks: the model's `candidates` most likely orders, then, from each of
/// the `starts` of them whose faces re-embed closest to themselves, up to `exchange_rounds`
/// rounds of hill climbing: every exchange of two blocks' positions is scored and the best that
/// raises the self-cosine is taken (a round costs up to n(n-1)/2 forward passes, fewer where
/// orders were scored before; a climb stops when no exchange helps).
struct SynthesisSearch {
  int candidates = 64;
  int exchange_rounds = 0;
  int starts = 1;
};

/// The search on one protected template: the model's orders first (most likely first), then
/// the climb's, each put in order, inverted and re-embedded through `pipeline` (batches of the
/// pipeline's size). An order is scored once. With `embeddings`, the re-embedding of each
/// candidate (candidates x D, L2-normalised) is kept there, for evaluations that know the truth.
std::vector<SynthesisCandidate> synthesis_candidates(const OrderProposals& model, const AttackPipeline& pipeline,
                                                     const float* protected_template, const SynthesisSearch& search,
                                                     std::vector<float>* embeddings = nullptr);

/// The same search on several protected templates at once (models[t] proposes for
/// protected_templates[t]): their candidates share forward batches, model orders first, then
/// the climbs a round at a time, so that batches stay full where one template's orders would
/// not fill one. Each template gets the candidates it would get alone; `embeddings` (if given)
/// receives each template's re-embeddings.
std::vector<std::vector<SynthesisCandidate>> synthesis_candidates(
    const std::vector<const OrderProposals*>& models, const AttackPipeline& pipeline,
    const std::vector<const float*>& protected_templates, const SynthesisSearch& search,
    std::vector<std::vector<float>>* embeddings = nullptr);

/// Scores `orders` as they are (each put in order, inverted and re-embedded through `pipeline`):
/// a slice of an exhaustive search, which needs no climb. `embeddings` as above.
std::vector<SynthesisCandidate> score_orders(const OrderProposals& model, const AttackPipeline& pipeline,
                                             const float* protected_template,
                                             const std::vector<protect::Permutation>& orders,
                                             std::vector<float>* embeddings = nullptr);

/// The rule that combines both scores: the candidate among the first `first` with the highest
///   self_cosine + weight * (log_likelihood - the first candidate's) / dim.
/// The log-likelihood is taken per template value so that one weight serves any extractor.
/// Weight 0 ranks by synthesis alone (the model only proposes); a large weight gives the
/// position model's order back. Ties go to the earlier (more likely) candidate.
std::size_t synthesis_choice(const std::vector<SynthesisCandidate>& candidates, double weight, int dim,
                             std::size_t first);

/// That rule's score of one order (self-cosine and log-likelihood) beside the model's most
/// likely order (its log-likelihood `best_log_likelihood`): also for orders the search did not
/// score, such as the true one in an evaluation.
inline double synthesis_score(double self_cosine, double log_likelihood, double best_log_likelihood, double weight,
                              int dim) {
  return self_cosine + weight * (log_likelihood - best_log_likelihood) / dim;
}

}  // namespace irrev::attack

template <>
struct irrev::EnumNames<irrev::attack::SynthesisProposals> {
  static constexpr std::string_view what = "synthesis proposals";
  static constexpr std::array<std::string_view, 2> names{"full", "joint"};
};
