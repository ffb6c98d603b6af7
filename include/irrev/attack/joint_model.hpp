#pragma once
/// Recovering PE-MIU's block order from the correlations between blocks. The block-position
/// model (unshuffle.hpp) scores each block alone against each position; a face template's
/// values are also correlated across blocks, and those correlations are what PE-MIU's shuffle
/// breaks. The joint model is one Gaussian over the whole template (its mean and full D x D
/// covariance over training identities' templates); an order's log-likelihood is that of the
/// template the order rebuilds. It is a sum of terms over pairs of (block, position)
/// placements, so finding the most likely order is a quadratic assignment problem: solved
/// exactly by enumeration where n! is small (n <= 8: 40,320 orders), and by local search
/// (linearised assignments and exchanges of two blocks, from several starts) beyond.
#include <cstdint>
#include <map>
#include <vector>

#include "irrev/protect/permutation.hpp"

namespace irrev::attack {

/// An order q of a protected template (q[i]: the original block at position i, as in
/// BlockPositionModel::recover) and its log-likelihood under a model, up to a constant.
struct ScoredOrder {
  protect::Permutation order;
  double log_likelihood = 0;
};

/// The largest block count whose orders are all enumerated (8! = 40,320).
constexpr int kJointExhaustiveBlocks = 8;
/// The tabu search's moves beyond kJointExhaustiveBlocks (JointOrderScore::most_likely): 50 n^2,
/// 51,200 at 32 blocks.
constexpr int joint_search_iterations(int blocks) { return 50 * blocks * blocks; }
/// The search's name in the keys of results it made (attack, synthesis checkpoints): a new
/// search changes it, so that orders an earlier search found are not taken for its own.
constexpr const char* kJointSearchVersion = "beam, climbs, robust tabu search";

/// One protected template cut into n blocks, seen by the joint model: the pair terms
/// pair(i, j, k, l) = (x_i - mu_j)^T P_jl (x_k - mu_l) for block i at position j and block k
/// at position l (P: the precision, mu: the mean); an order's log-likelihood is
/// -1/2 sum_{i,k} pair(i, q[i], k, q[k]).
class JointOrderScore {
 public:
  /// `starts`: where the local search begins beyond kJointExhaustiveBlocks (most likely first).
  JointOrderScore(int blocks, std::vector<double> pair_terms, std::vector<protect::Permutation> starts);

  int blocks() const { return m_n; }
  double log_likelihood(const protect::Permutation& q) const;

  /// The `k` most likely orders found, most likely first (ties: the smaller order first).
  /// Where n <= kJointExhaustiveBlocks every order is scored, so the list is exact. Beyond,
  /// the search climbs from each start, alternating a linearised assignment (each block
  /// placed given where the others are) with the best exchange of two blocks until neither
  /// raises the likelihood; every order it visits is a candidate. Then a robust tabu search
  /// (Taillard, 1991) from the best: `iterations` moves (joint_search_iterations() where
  /// negative), each the best exchange of two blocks that does not send both back to positions
  /// they left within the last ~n moves (unless it beats the best order found), the less
  /// likely ones included, so that it walks out of local optima; each order better than all
  /// before is a candidate. Its draws are fixed, so the orders found depend on the template alone.
  std::vector<ScoredOrder> most_likely(int k, int iterations = -1) const;

 private:
  /// Blocks `a` and `c` exchange positions in `q`: the log-likelihood's change, in O(n).
  double exchange_gain(const protect::Permutation& q, int a, int c) const;
  /// The tabu search of most_likely from `best`, which it replaces by the most likely order it
  /// meets; each order more likely than all before goes into `visited`.
  void tabu_search(protect::Permutation& best, int iterations, std::map<protect::Permutation, double>& visited) const;
  double pair(int i, int j, int k, int l) const {
    return m_pair[((static_cast<std::size_t>(i) * m_n + j) * m_n + k) * m_n + l];
  }
  int m_n;
  std::vector<double> m_pair;  ///< (n n) x (n n), row (i, j), column (k, l)
  std::vector<protect::Permutation> m_starts;
};

class JointTemplateModel {
 public:
  JointTemplateModel() = default;
  /// Fits on `rows` unprotected templates of `dim` values; the covariance is shrunk towards
  /// its diagonal by dim / (dim + rows), so that it stays invertible with few templates.
  static JointTemplateModel fit(const float* templates, std::int64_t rows, int dim);

  int dim() const { return m_dim; }
  /// The pair terms of `protected_template` cut into `blocks` blocks; beyond
  /// kJointExhaustiveBlocks, with the `beam` orders of a beam search over positions as the
  /// local search's starts. The beam fills positions in turn, each state's likelihood being
  /// that of the positions filled so far (the Gaussian's chain of conditionals, through its
  /// Cholesky factor), and keeps the `beam` most likely partial orders. The beam and the
  /// climbs read the blocks' contents only, so the orders found do not depend on the
  /// protecting permutation (up to exact ties).
  JointOrderScore score(const float* protected_template, int blocks, int beam = kDefaultBeam) const;
  /// The most likely order found.
  protect::Permutation recover(const float* protected_template, int blocks, int beam = kDefaultBeam) const;

  static constexpr int kDefaultBeam = 64;

 private:
  std::vector<protect::Permutation> beam_orders(const float* protected_template, int blocks, int beam) const;

  int m_dim = 0;
  std::vector<double> m_mean, m_precision;  ///< dim; dim x dim
  std::vector<double> m_cholesky;           ///< dim x dim, lower: covariance = L L^T
};

/// `model`'s placement (unshuffle.hpp) of each of `rows` templates cut into `blocks` blocks,
/// recovered under its first uniform draw (as recover_placements for the position model).
std::vector<protect::Permutation> joint_placements(const JointTemplateModel& model, const float* templates,
                                                   std::int64_t rows, int blocks, std::uint64_t seed,
                                                   int beam = JointTemplateModel::kDefaultBeam);

}  // namespace irrev::attack
