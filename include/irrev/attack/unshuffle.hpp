#pragma once
/// Recovering PE-MIU's block order without a second sample. Each output dimension of a network
/// that ends in batch norm has its own mean and spread, so a block's values say where the block
/// came from. The block-position model holds, per original position and value within a block,
/// the mean and variance over unprotected templates of training identities; a protected
/// template's blocks are then assigned to positions by the assignment (Hungarian) that maximises
/// the summed Gaussian log-likelihood. Where blocks are identically distributed the scores carry
/// no information and the measured accuracy is chance (1 / n): `evaluate_unshuffle` reports that
/// instead of an order.
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <set>
#include <string>
#include <vector>

#include "irrev/core/enum_names.hpp"
#include "irrev/protect/permutation.hpp"

namespace irrev::data {
struct TemplateSet;
}

namespace irrev::attack {

/// How a block order is recovered: the block-position model with a diagonal (per-value means
/// and spreads) or a full covariance per position, the synthesis search over the full model's
/// most likely orders (synthesis_search.hpp), or the joint model of the whole template
/// (joint_model.hpp: the correlations between blocks).
enum class UnshuffleModel { diagonal, full, synthesis, joint };

class BlockPositionModel {
 public:
  BlockPositionModel() = default;
  /// Fits on `rows` unprotected templates of `dim` values cut into `blocks` blocks. With
  /// `full_covariance`, each position also learns how its values vary together (a Gaussian with
  /// a full covariance per position, shrunk towards its diagonal): it tells positions apart
  /// where means and spreads alone do not, at b x b parameters per position.
  static BlockPositionModel fit(const float* templates, std::int64_t rows, int dim, int blocks,
                                bool full_covariance = false);

  int blocks() const { return m_blocks; }
  bool full_covariance() const { return !m_precision.empty(); }
  int dim() const { return m_dim; }
  /// score[i * n + j]: log-likelihood that the block at position i of `protected_template`
  /// is original block j (up to a constant).
  std::vector<double> scores(const float* protected_template) const;
  /// The most likely permutation, in PE-MIU's convention: p[i] = original block at position i.
  protect::Permutation recover(const float* protected_template) const;

 private:
  int m_dim = 0, m_blocks = 0;
  std::vector<double> m_mean, m_inv_var;  ///< dim values each: original position j, offset t
  std::vector<double> m_log_sd_sum;       ///< per original block: sum of log standard deviations
  /// Full covariance: per original block, the b x b inverse covariance (empty: diagonal model);
  /// m_log_sd_sum then holds half the log-determinant of the covariance.
  std::vector<double> m_precision;
};

/// The values of every template whose subject is a training identity of the split (seed, share),
/// apart from the `excluded` subjects: what a block-position model may be fitted on (rows x dim,
/// row-major).
std::vector<float> training_templates(const data::TemplateSet& set, std::uint64_t split_seed, double eval_share,
                                      const std::set<std::string>& excluded = {});

/// Estimated complexity of a protected template: the blocks the recovered permutation moves.
inline int estimated_complexity(const protect::Permutation& recovered) { return protect::complexity(recovered); }

/// How well the model recovers known permutations of evaluation templates. The position and
/// exact-recovery figures are under uniform PE-MIU permutations, where any method that does not
/// read the template scores exactly 1 / n per position (under a mix stratified by complexity an
/// order-blind guess of the identity would already score far above that); the per-complexity
/// figures come from permutations drawn within each complexity.
struct UnshuffleMetrics {
  int blocks = 0;
  std::int64_t templates = 0;
  std::int64_t samples = 0;                          ///< templates x uniform permutations
  double position_accuracy = 0;                      ///< share of positions given their true block
  double position_ci_low = 0, position_ci_high = 0;  ///< 95 % interval over templates (normal)
  double chance = 0;                                 ///< 1 / blocks
  bool chance_level = false;                         ///< chance lies inside the interval: no order is recovered
  double exact_rate = 0;                             ///< whole permutation recovered
  double mean_displaced_after = 0;                   ///< blocks still out of place after unshuffling
  double complexity_exact_rate = 0;                  ///< estimated complexity == true complexity (stratified)
  double complexity_mean_abs_error = 0;
  /// Per true complexity k (index k): exact recovery rate and mean estimated complexity.
  std::vector<double> exact_by_complexity, estimated_by_complexity;
  std::vector<std::int64_t> samples_by_complexity;
  nlohmann::ordered_json to_json() const;
  /// What to_json wrote (complexities without samples come back as zeros).
  static UnshuffleMetrics from_json(const nlohmann::json& j);
};

/// What a recovery did to one template, whatever order PE-MIU had put it in: placement[j] is
/// the position the recovery gives original block j (the identity when it recovered the order).
/// A recovery reads the blocks' contents, not their positions, so this is a property of the
/// template: under a permutation p the recovered order is q[i] = placement[p[i]].
using Placement = protect::Permutation;

/// The protected form every evaluation shows a recovery first: template `row` under the first
/// uniform permutation of its keyed stream (the one `evaluate_placements` draws first).
protect::Permutation first_uniform_draw(int blocks, std::uint64_t seed, std::int64_t row);

/// The placement behind a recovered order q of a template protected by p: placement[p[i]] = q[i].
Placement placement_of(const protect::Permutation& recovered, const protect::Permutation& p);

/// Its inverse: the order recovered from the template protected by p, q[i] = placement[p[i]].
protect::Permutation recovered_under(const Placement& placement, const protect::Permutation& p);

/// An assignment's columns (column[i] for row i) as the order q they give: q[i] = column[i].
protect::Permutation order_of_columns(const std::vector<int>& column);

/// The log-likelihood of order q under a model's `scores` of one protected template
/// (BlockPositionModel::scores): the sum of scores[i * n + q[i]].
double order_log_likelihood(const std::vector<double>& scores, const protect::Permutation& q);

/// The placement `recover` (protected template -> recovered order) gives each of `rows`
/// templates of `dim` values cut into `blocks` blocks, recovered under its first uniform draw.
std::vector<Placement> recover_placements(const std::function<protect::Permutation(const float*)>& recover, int blocks,
                                          int dim, const float* templates, std::int64_t rows, std::uint64_t seed);

/// `model`'s placement of each of `rows` templates, recovered under its first uniform draw.
std::vector<Placement> recover_placements(const BlockPositionModel& model, const float* templates, std::int64_t rows,
                                          std::uint64_t seed);

/// Every evaluation template under `uniform` PE-MIU permutations and `per_complexity`
/// permutations of each complexity 0, 2..n, drawn with `seed`, each template recovered as
/// `placements` (one per template) says.
UnshuffleMetrics evaluate_placements(const std::vector<Placement>& placements, int blocks, int uniform,
                                     int per_complexity, std::uint64_t seed);

/// The same for `model`'s recovery of each template under its first uniform draw.
UnshuffleMetrics evaluate_unshuffle(const BlockPositionModel& model, const float* templates, std::int64_t rows,
                                    int uniform, int per_complexity, std::uint64_t seed);

}  // namespace irrev::attack

template <>
struct irrev::EnumNames<irrev::attack::UnshuffleModel> {
  static constexpr std::string_view what = "unshuffle model";
  static constexpr std::array<std::string_view, 4> names{"diagonal", "full", "synthesis", "joint"};
};
