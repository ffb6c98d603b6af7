#include "irrev/match/pe_miu_tiles.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "detail/pe_miu_kernel.hpp"
#include "irrev/protect/pe_miu.hpp"

namespace irrev::match {
namespace {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define IRREV_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define IRREV_CLONES
#endif

// A tile holds this many block rows of references and block columns of probes, so that its
// products (kTileRows x kTileCols doubles, 512 KiB) stay in the core's cache.
constexpr int kTileRows = 128;
constexpr int kTileCols = 512;
constexpr int kPanel = 16;  // columns per register panel of the product kernel

// Up to this many blocks the products pay: measured in verify's all-vs-all of LFW on 2
// AVX-512 cores (bench/RESULTS.md), 8 blocks take 71.9 s with them and 90.5 s without, 16
// blocks 210.4 s with them and 205.2 s without: from 16 blocks up the assignment, not the
// block distances, takes the time. Beyond it each pair takes the per-pair path.
constexpr int kProductsMaxBlocks = 8;

constexpr double kUnit = 0x1p-53;  // double's unit roundoff
constexpr double kInf = std::numeric_limits<double>::infinity();

/// products[r * cols + c] = sum_k rows[r * b + k] * panel[k * cols + c], in double (each
/// product of two floats exact), summed in order k = 0..b-1; `cols` is a multiple of kPanel.
/// Four rows x kPanel columns of sums stay in registers while the b terms go by.
IRREV_CLONES void block_products(const float* rows, int n_rows, const double* panel, int cols, int b,
                                 double* products) {
  int r = 0;
  for (; r + 4 <= n_rows; r += 4) {
    const float* a = rows + r * b;
    for (int c = 0; c < cols; c += kPanel) {
      double s0[kPanel] = {}, s1[kPanel] = {}, s2[kPanel] = {}, s3[kPanel] = {};
      for (int k = 0; k < b; ++k) {
        const double* p = panel + k * cols + c;
        const double a0 = a[k], a1 = a[b + k], a2 = a[2 * b + k], a3 = a[3 * b + k];
        for (int j = 0; j < kPanel; ++j) {
          s0[j] += a0 * p[j];
          s1[j] += a1 * p[j];
          s2[j] += a2 * p[j];
          s3[j] += a3 * p[j];
        }
      }
      double* out = products + r * cols + c;
      for (int j = 0; j < kPanel; ++j) {
        out[j] = s0[j];
        out[cols + j] = s1[j];
        out[2 * cols + j] = s2[j];
        out[3 * cols + j] = s3[j];
      }
    }
  }
  for (; r < n_rows; ++r)
    for (int c = 0; c < cols; c += kPanel) {
      double s[kPanel] = {};
      for (int k = 0; k < b; ++k)
        for (int j = 0; j < kPanel; ++j) s[j] += static_cast<double>(rows[r * b + k]) * panel[k * cols + c + j];
      for (int j = 0; j < kPanel; ++j) products[r * cols + c + j] = s[j];
    }
}

/// The least of x[0..n): eight running minima (a vector register) instead of one chain.
inline double least(const double* x, int n) {
  double m[8] = {kInf, kInf, kInf, kInf, kInf, kInf, kInf, kInf};
  int j = 0;
  for (; j + 8 <= n; j += 8)
    for (int l = 0; l < 8; ++l) m[l] = x[j + l] < m[l] ? x[j + l] : m[l];
  for (int l = 0; j < n; ++j, ++l) m[l] = x[j] < m[l] ? x[j] : m[l];
  return std::min(std::min(std::min(m[0], m[1]), std::min(m[2], m[3])),
                  std::min(std::min(m[4], m[5]), std::min(m[6], m[7])));
}

/// Whether `sigma`, optimal for `cost` with column potentials v, is also the unique optimum of
/// any cost matrix within `tolerance` of `cost` per entry. With u[i] = cost[i][sigma[i]] -
/// v[sigma[i]] and the reduced costs r[i][j] = cost[i][j] - u[i] - v[j] (zero on sigma), any
/// other assignment differs from sigma by cycles, rows i -> k where row i takes the column
/// sigma gave row k, and costs the sum of their edges' r more. Two matrices within `tolerance`
/// move that difference by at most 2 n tolerance (plus the reduced costs' rounding, from
/// `largest`, a bound on every |cost| + |v|): so sigma stays the unique optimum if every cycle
/// holds an edge dearer than that, that is, if the graph of the cheaper edges (bit masks,
/// n <= 32) has no cycle.
bool unique_within(const double* cost, int n, const int* sigma, const double* v, double tolerance, double largest) {
  if (n == 1) return true;
  const double bound = 2 * n * (tolerance + 16 * kUnit * largest);
  int row_of[detail::kMaxN];
  for (int i = 0; i < n; ++i) row_of[sigma[i]] = i;
  double reduced[detail::kMaxN * detail::kMaxN];
  for (int i = 0; i < n; ++i) {
    const double u = cost[i * n + sigma[i]] - v[sigma[i]];
    for (int j = 0; j < n; ++j) reduced[i * n + j] = cost[i * n + j] - u - v[j];
  }
  const double lowest = std::min(0.0, least(reduced, n * n));
  if (lowest < -bound) return false;  // the potentials are not a feasible dual: no certificate
  // A cycle of total at most `bound` has every edge below bound + (n - 1) |lowest| (the
  // others are at least `lowest`); twice that, as a margin of safety.
  const double cheap = 2 * (bound - n * lowest);
  std::uint32_t edges[detail::kMaxN];
  for (int i = 0; i < n; ++i) {
    edges[i] = 0;
    for (int j = 0; j < n; ++j)
      if (j != sigma[i] && reduced[i * n + j] <= cheap) edges[i] |= std::uint32_t{1} << row_of[j];
  }
  // Peel off rows with no cheap edge into what is left; a cycle is what cannot be peeled.
  std::uint32_t left = n == 32 ? ~std::uint32_t{0} : (std::uint32_t{1} << n) - 1;
  for (bool peeled = true; peeled && left != 0;) {
    peeled = false;
    for (int i = 0; i < n; ++i)
      if ((left >> i & 1) && (edges[i] & left) == 0) left &= ~(std::uint32_t{1} << i), peeled = true;
  }
  return left == 0;
}

/// What the tile knows of one template: its blocks' squared norms, the largest of them, and
/// its norm as PeMiuComparator computes it.
struct Side {
  const double* sq;  // n values
  double sq_max;
  double norm;
};

/// One pair from the tile's products `g` (row stride `stride`): the costs, their assignment,
/// the certificate, the exact path where it fails, and the score. Returns whether certified.
IRREV_CLONES bool score_from_products(const double* g, int stride, const Side& rs, const Side& qs, const float* r,
                                      const float* q, int n, int b, double* cost, float* qt, double* score) {
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const double x = rs.sq[i] + qs.sq[j] - 2.0 * g[i * stride + j];
      cost[i * n + j] = std::sqrt(x > 0 ? x : 0.0);
    }
  // Each product is within (b - 1) u sum_k |r_ik q_jk| <= (b - 1) u (|r_i|^2 + |q_j|^2) / 2 of
  // the exact dot product, the squared norms within b u of theirs, x's two roundings within
  // 4 u, and the exact path's squared distance within (b + 2) u of the true one, itself at most
  // 2 (|r_i|^2 + |q_j|^2): x and the exact path's differ by at most (4 b + 7) u (|r_i|^2 +
  // |q_j|^2) (dx, with room to spare), and their roots by at most dx / max(c, sqrt(dx)).
  const double sq = rs.sq_max + qs.sq_max;
  const double dx = (6 * b + 16) * kUnit * sq;
  const double largest = 2 * std::sqrt(sq) + 1;  // |cost|, and the potentials within the costs' range
  const double tolerance = dx / std::max(least(cost, n * n), std::sqrt(dx)) + 4 * kUnit * largest;
  int sigma[detail::kMaxN] = {};
  double v[detail::kMaxN] = {};
  detail::hungarian(cost, n, sigma, v);
  double v_max = 0;
  for (int j = 0; j < n; ++j) v_max = std::max(v_max, std::abs(v[j]));
  const bool certified = unique_within(cost, n, sigma, v, tolerance, largest + v_max);
  if (!certified) {  // the exact path, as PeMiuComparator::score_prepared takes it
    detail::transpose_blocks(q, n, b, qt);
    detail::block_costs(r, qt, n, b, cost);
    detail::hungarian(cost, n, sigma);
  }
  *score = detail::assigned_cosine(r, rs.norm, q, qs.norm, n, b, sigma);
  return certified;
}

}  // namespace

PeMiuTiles::PeMiuTiles(int dim, int block)
    : m_n(protect::block_count(dim, block)), m_block(block), m_dim(dim), m_per_pair(dim, block) {}

void PeMiuTiles::prepare(const float* x, std::int64_t count, std::vector<double>& sq, std::vector<double>& sq_max,
                         std::vector<double>& norm) const {
  const int n = m_n, b = m_block, dim = m_dim;
  sq.resize(static_cast<std::size_t>(count * n));
  sq_max.assign(static_cast<std::size_t>(count), 0.0);
  norm.resize(static_cast<std::size_t>(count));
  for (std::int64_t t = 0; t < count; ++t) {
    for (int i = 0; i < n && n <= kProductsMaxBlocks; ++i) {  // the per-pair path needs no block norms
      const float* block = x + t * dim + i * b;
      const double s = detail::dot8(block, block, b);
      sq[static_cast<std::size_t>(t * n + i)] = s;
      sq_max[static_cast<std::size_t>(t)] = std::max(sq_max[static_cast<std::size_t>(t)], s);
    }
    norm[static_cast<std::size_t>(t)] = m_per_pair.norm(x + t * dim);
  }
}

void PeMiuTiles::score(const float* references, std::int64_t n_references, const float* probes, std::int64_t n_probes,
                       std::int64_t min_gap, double* scores) {
  const int n = m_n, b = m_block, dim = m_dim;
  prepare(references, n_references, m_ref_sq, m_ref_sq_max, m_ref_norm);
  prepare(probes, n_probes, m_probe_sq, m_probe_sq_max, m_probe_norm);
  const auto side = [&](const std::vector<double>& sq, const std::vector<double>& sq_max,
                        const std::vector<double>& norm, std::int64_t t) {
    return Side{sq.data() + t * n, sq_max[static_cast<std::size_t>(t)], norm[static_cast<std::size_t>(t)]};
  };

  if (n > kProductsMaxBlocks) {  // the per-pair path, each probe's blocks transposed once
    m_probe_transposed.resize(static_cast<std::size_t>(n_probes * dim));
    float* transposed = m_probe_transposed.data();
    for (std::int64_t p = 0; p < n_probes; ++p) m_per_pair.transpose(probes + p * dim, transposed + p * dim);
    for (std::int64_t r = 0; r < n_references; ++r)
      for (std::int64_t p = std::max<std::int64_t>(0, r + min_gap); p < n_probes; ++p) {
        scores[r * n_probes + p] =
            m_per_pair.score_prepared(references + r * dim, m_ref_norm[static_cast<std::size_t>(r)], probes + p * dim,
                                      transposed + p * dim, m_probe_norm[static_cast<std::size_t>(p)]);
        ++m_counts.exact;
      }
    return;
  }
  const std::int64_t refs_per_tile = std::max(1, kTileRows / n), probes_per_tile = std::max(1, kTileCols / n);
  std::vector<double> cost(static_cast<std::size_t>(n * n));
  std::vector<float> qt(static_cast<std::size_t>(dim));
  for (std::int64_t p0 = 0; p0 < n_probes; p0 += probes_per_tile) {
    const std::int64_t p1 = std::min(n_probes, p0 + probes_per_tile);
    if (p1 - 1 < min_gap) continue;  // no reference has a pair in this tile
    const int cols = static_cast<int>((((p1 - p0) * n + kPanel - 1) / kPanel) * kPanel);
    // The probes' blocks side by side: panel[k * cols + (probe * n + j)] = value k of block j.
    m_probe_blocks.assign(static_cast<std::size_t>(b * cols), 0.0);
    for (std::int64_t p = p0; p < p1; ++p)
      for (int j = 0; j < n; ++j)
        for (int k = 0; k < b; ++k)
          m_probe_blocks[static_cast<std::size_t>(k * cols + (p - p0) * n + j)] = probes[p * dim + j * b + k];
    for (std::int64_t r0 = 0; r0 < n_references; r0 += refs_per_tile) {
      const std::int64_t r1 = std::min(n_references, r0 + refs_per_tile);
      if (p1 - 1 - r0 < min_gap) break;  // nor has any later reference
      m_products.resize(static_cast<std::size_t>((r1 - r0) * n * cols));
      block_products(references + r0 * dim, static_cast<int>((r1 - r0) * n), m_probe_blocks.data(), cols, b,
                     m_products.data());
      for (std::int64_t r = r0; r < r1; ++r)
        for (std::int64_t p = std::max(p0, r + min_gap); p < p1; ++p) {
          const bool certified = score_from_products(
              m_products.data() + ((r - r0) * n) * cols + (p - p0) * n, cols,
              side(m_ref_sq, m_ref_sq_max, m_ref_norm, r), side(m_probe_sq, m_probe_sq_max, m_probe_norm, p),
              references + r * dim, probes + p * dim, n, b, cost.data(), qt.data(), scores + r * n_probes + p);
          ++(certified ? m_counts.certified : m_counts.exact);
        }
    }
  }
}

}  // namespace irrev::match
