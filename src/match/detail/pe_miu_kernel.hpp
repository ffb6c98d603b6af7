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
/// method with potentials, O(n^3). Sets row_to_col[i] and returns the total cost.
IRREV_HD inline double hungarian(const double* cost, int n, int* row_to_col) {
  const double inf = 1e300;
  double u[kMaxN + 1], v[kMaxN + 1], minv[kMaxN + 1];
  int p[kMaxN + 1], way[kMaxN + 1];
  for (int j = 0; j <= n; ++j) u[j] = v[j] = 0, p[j] = 0, way[j] = 0;
  for (int i = 1; i <= n; ++i) {
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

/// PE-MIU score, as the reference code computes it: cost[i][j] = ||r_i - p_j|| (plain, not
/// squared), Hungarian assignment sigma, score = cosine(r, probe with block i := p_sigma(i)).
/// `cost` is scratch of n * n values; `assignment` receives sigma (may be null).
IRREV_HD inline double pe_miu_score(const float* r, const float* q, int n, int b, double* cost,
                                    int* assignment) {
  double rr = 0, qq = 0;
  for (int k = 0; k < n * b; ++k) {
    rr += static_cast<double>(r[k]) * r[k];
    qq += static_cast<double>(q[k]) * q[k];
  }
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int k = 0; k < b; ++k) {
        double d = static_cast<double>(r[i * b + k]) - static_cast<double>(q[j * b + k]);
        s += d * d;
      }
      cost[i * n + j] = sqrt(s);
    }
  }
  int local[kMaxN];
  int* sigma = assignment ? assignment : local;
  hungarian(cost, n, sigma);
  double dot = 0;
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < b; ++k)
      dot += static_cast<double>(r[i * b + k]) * static_cast<double>(q[sigma[i] * b + k]);
  double norm = sqrt(rr) * sqrt(qq);
  return norm > 0 ? dot / norm : 0.0;
}

}  // namespace irrev::match::detail
