#pragma once
/// PE-MIU scores of many references against many probes, a tile at a time (verify's
/// all-vs-all). Up to 8 blocks, the block distances of a tile of references against a tile of
/// probes come from one product of their blocks (||r_i||^2 + ||q_j||^2 - 2 r_i.q_j, in double),
/// then each pair's assignment from them. An assignment is kept only where it is certified to
/// be the unique optimum of the exact costs as well (the rounding of the products bounded per
/// cost, the assignment's duals bounding every other assignment); the rest go through the exact
/// per-pair path, as do all pairs beyond 8 blocks, where the products do not pay (the
/// assignment takes the time). The score is computed from the assignment exactly as
/// PeMiuComparator does, so the scores are PeMiuComparator's to the last bit.
#include <cstdint>
#include <vector>

#include "irrev/match/pe_miu_compare.hpp"

namespace irrev::match {

/// How the assignments of the pairs scored so far were settled.
struct TileCounts {
  std::int64_t certified = 0;  // from the product's costs, certified
  std::int64_t exact = 0;      // through the exact per-pair path (a near-tie, or beyond 8 blocks)
};

class PeMiuTiles {
 public:
  PeMiuTiles(int dim, int block);

  /// scores[i * n_probes + j] = PE-MIU score of reference i against probe j (rows of `dim`
  /// values) for every pair with j - i >= min_gap; the other entries are left as they are
  /// (min_gap = 1 - (first probe's row - first reference's row) walks the upper triangle of a
  /// set against itself).
  void score(const float* references, std::int64_t n_references, const float* probes, std::int64_t n_probes,
             std::int64_t min_gap, double* scores);

  const TileCounts& counts() const { return m_counts; }

 private:
  /// Per template of x: its norm, and (on the products' path) its blocks' squared norms and the
  /// largest of them.
  void prepare(const float* x, std::int64_t count, std::vector<double>& sq, std::vector<double>& sq_max,
               std::vector<double>& norm) const;

  int m_n, m_block, m_dim;
  TileCounts m_counts;
  PeMiuComparator m_per_pair;  // beyond 8 blocks
  // Scratch, reused: the probes' blocks side by side, the products, the probes' blocks
  // transposed for the per-pair path, and what prepare() keeps.
  std::vector<double> m_probe_blocks, m_products;
  std::vector<float> m_probe_transposed;
  std::vector<double> m_ref_sq, m_ref_sq_max, m_ref_norm, m_probe_sq, m_probe_sq_max, m_probe_norm;
};

}  // namespace irrev::match
