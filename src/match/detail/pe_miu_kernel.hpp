#pragma once
// The PE-MIU comparison of one (reference, probe) pair, written once for the CPU and for the
// CUDA kernel (IRREV_HD marks it __host__ __device__ under nvcc). Not a public header.
#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define IRREV_HD __host__ __device__
#else
#define IRREV_HD
#endif

namespace irrev::match::detail {

constexpr int kMaxN = 32;

/// Minimum-cost assignment of an n x n cost matrix (row-major, n <= 32) by the Hungarian
/// method with potentials (shortest augmenting paths), O(n^3). Sets row_to_col[i] and returns
/// the total cost. Rows start reduced (u[i] = min_j cost[i][j], v = 0: feasible) and each row
/// whose minimum column is still free is matched at once, which leaves fewer augmentations.
IRREV_HD inline double hungarian(const double* cost, int n, int* row_to_col) {
  const double inf = 1e300;
  double u[kMaxN + 1], v[kMaxN + 1], minv[kMaxN + 1];
  int p[kMaxN + 1], way[kMaxN + 1];  // p[j]: row matched to column j (1-based, 0 = none)
  bool matched_row[kMaxN + 1];
  for (int j = 0; j <= n; ++j) u[j] = v[j] = 0, p[j] = 0, way[j] = 0, matched_row[j] = false;
  for (int i = 1; i <= n; ++i) {
    int best = 1;
    for (int j = 2; j <= n; ++j)
      if (cost[(i - 1) * n + (j - 1)] < cost[(i - 1) * n + (best - 1)]) best = j;
    u[i] = cost[(i - 1) * n + (best - 1)];
    if (p[best] == 0) p[best] = i, matched_row[i] = true;
  }
  for (int i = 1; i <= n; ++i) {
    if (matched_row[i]) continue;
    p[0] = i;
    int j0 = 0;
    std::uint64_t used = 0;
    for (int j = 0; j <= n; ++j) minv[j] = inf;
    do {
      used |= 1ull << j0;
      int i0 = p[j0], j1 = 0;
      double delta = inf;
      for (int j = 1; j <= n; ++j) {
        if (used >> j & 1ull) continue;
        double cur = cost[(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
        if (cur < minv[j]) minv[j] = cur, way[j] = j0;
        if (minv[j] < delta) delta = minv[j], j1 = j;
      }
      for (int j = 0; j <= n; ++j) {
        if (used >> j & 1ull) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      int j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  double total = 0;
  for (int j = 1; j <= n; ++j) {
    row_to_col[p[j] - 1] = j - 1;
    total += cost[(p[j] - 1) * n + (j - 1)];
  }
  return total;
}

/// Sum of x[k] * y[k] in double over 8 interleaved partial sums added in a fixed order:
/// independent chains that a CPU can vectorise, and the same order on every device.
IRREV_HD inline double dot8(const float* x, const float* y, int len) {
  double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int k = 0;
  for (; k + 8 <= len; k += 8)
    for (int l = 0; l < 8; ++l) part[l] += static_cast<double>(x[k + l]) * static_cast<double>(y[k + l]);
  for (int l = 0; k < len; ++k, ++l) part[l] += static_cast<double>(x[k]) * static_cast<double>(y[k]);
  return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

/// qt[k * n + j] = q[j * b + k]: the probe's blocks side by side, so that the loop over the n
/// probe blocks in block_costs() runs over contiguous values.
IRREV_HD inline void transpose_blocks(const float* q, int n, int b, float* qt) {
  for (int j = 0; j < n; ++j)
    for (int k = 0; k < b; ++k) qt[k * n + j] = q[j * b + k];
}

/// cost[i * n + j] = ||r_i - q_j|| (plain Euclidean distance of blocks of b values), from the
/// transposed probe; each distance sums its b terms in order k = 0..b-1.
IRREV_HD inline void block_costs(const float* r, const float* qt, int n, int b, double* cost) {
  for (int i = 0; i < n; ++i) {
    double s[kMaxN];
    for (int j = 0; j < n; ++j) s[j] = 0;
    for (int k = 0; k < b; ++k) {
      const double rk = r[i * b + k];
      for (int j = 0; j < n; ++j) {
        const double d = rk - static_cast<double>(qt[k * n + j]);
        s[j] += d * d;
      }
    }
    for (int j = 0; j < n; ++j) cost[i * n + j] = sqrt(s[j]);
  }
}

/// The PE-MIU score with the probe prepared once for many references: `qt` its transposed
/// blocks, `r_norm` and `q_norm` the norms sqrt(dot8(x, x, n * b)).
IRREV_HD inline double pe_miu_score_prepared(const float* r, double r_norm, const float* q,
                                             const float* qt, double q_norm, int n, int b,
                                             double* cost, int* assignment) {
  block_costs(r, qt, n, b, cost);
  int local[kMaxN];
  int* sigma = assignment ? assignment : local;
  hungarian(cost, n, sigma);
  double dot = 0;
  for (int i = 0; i < n; ++i) dot += dot8(r + i * b, q + sigma[i] * b, b);
  const double norm = r_norm * q_norm;
  return norm > 0 ? dot / norm : 0.0;
}

/// PE-MIU score, as the reference code computes it: cost[i][j] = ||r_i - q_j|| (plain, not
/// squared), Hungarian assignment sigma, score = cosine(r, probe with block i := q_sigma(i)).
/// `cost` is scratch of n * n values and `qt` of n * b; `assignment` receives sigma (may be null).
IRREV_HD inline double pe_miu_score(const float* r, const float* q, int n, int b, double* cost,
                                    float* qt, int* assignment) {
  transpose_blocks(q, n, b, qt);
  return pe_miu_score_prepared(r, sqrt(dot8(r, r, n * b)), q, qt, sqrt(dot8(q, q, n * b)), n, b,
                               cost, assignment);
}

}  // namespace irrev::match::detail
