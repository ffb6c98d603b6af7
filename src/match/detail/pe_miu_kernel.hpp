#pragma once
// The PE-MIU comparison of one (reference, probe) pair, written once for the CPU and for the
// CUDA kernel (IRREV_HD marks it __host__ __device__ under nvcc). Not a public header.
#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define IRREV_HD __host__ __device__
#elif defined(__GNUC__)
// Inlined into the callers' target clones (AVX-512, AVX2, baseline), so that the column loops
// are compiled as wide as the processor runs them; a separate function would be baseline only.
#define IRREV_HD __attribute__((always_inline))
#else
#define IRREV_HD
#endif

namespace irrev::match::detail {

constexpr int kMaxN = 32;

/// Minimum-cost assignment of an n x n cost matrix (row-major, n <= 32) by the Jonker-Volgenant
/// scheme (O(n^3) at worst). Sets row_to_col[i] and returns the total cost.
///  1. Column reduction: v[j] = the column's minimum, and its row takes the column if free.
///  2. Reduction transfer: a row holding one column lowers that column's potential by the row's
///     margin to its next-best column.
///  3. Augmenting row reduction, twice: each free row takes its best column under the
///     potentials, displacing the holder (which becomes free) and lowering the column's
///     potential to the row's second-best reduced cost. After it every matched row sits at its
///     minimum reduced cost, so u[i] = min_j (cost[i][j] - v[j]) is a feasible dual.
///  4. Each row still free is matched by one Dijkstra search of shortest augmenting paths, with
///     the potentials updated once per search. Its column loops have no branches (a reached
///     column is masked by adding `closed`), so the compiler runs them 4-8 columns wide.
/// Steps 1-3 only change how much of the work step 4 has left; the optimum is the same.
/// The Jonker-Volgenant state: potentials, the partial matching, the rows still free.
struct JvState {
  double u[kMaxN], v[kMaxN];
  int col_of[kMaxN], row_of[kMaxN], free_rows[kMaxN];
  int n_free = 0;
};

constexpr double kJvInf = 1e300;

/// The least of a row's x[0..n): four running minima (a vector register) and then their least,
/// instead of one chain of n dependent minima (which GCC keeps scalar: it reorders a minimum
/// reduction only under -ffinite-math-only). A minimum is exact in any order. Eight lanes, as
/// the tiles' certificate takes over whole matrices, measured slower on rows of 8 to 32.
IRREV_HD inline double row_least(const double* x, int n) {
  double m[4] = {kJvInf, kJvInf, kJvInf, kJvInf};
  int j = 0;
  for (; j + 4 <= n; j += 4)
    for (int l = 0; l < 4; ++l) m[l] = x[j + l] < m[l] ? x[j + l] : m[l];
  for (int l = 0; j < n; ++j, ++l) m[l] = x[j] < m[l] ? x[j] : m[l];
  for (int l = 0; l < 2; ++l) m[l] = m[l + 2] < m[l] ? m[l + 2] : m[l];
  return m[1] < m[0] ? m[1] : m[0];
}

/// Steps 1 and 2 of `hungarian`.
IRREV_HD inline void jv_column_reduction(const double* cost, int n, JvState& s) {
  int matches[kMaxN];
  for (int i = 0; i < n; ++i) matches[i] = 0, s.col_of[i] = -1;
  // Every column's least cost and its first row, a row at a time across the columns (which
  // vectorises; a column at a time is a chain of mispredicted branches).
  double least[kMaxN];
  int least_row[kMaxN];
  for (int j = 0; j < n; ++j) least[j] = cost[j], least_row[j] = 0;
  for (int i = 1; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const bool lower = cost[i * n + j] < least[j];
      least[j] = lower ? cost[i * n + j] : least[j];
      least_row[j] = lower ? i : least_row[j];
    }
  for (int j = n - 1; j >= 0; --j) {  // 1
    const int best = least_row[j];
    s.v[j] = least[j];
    if (++matches[best] == 1) {
      s.col_of[best] = j, s.row_of[j] = best;
    } else if (s.v[j] < s.v[s.col_of[best]]) {
      s.row_of[s.col_of[best]] = -1;
      s.col_of[best] = j, s.row_of[j] = best;
    } else {
      s.row_of[j] = -1;
    }
  }
  s.n_free = 0;
  for (int i = 0; i < n; ++i) {  // 2
    if (matches[i] == 0) {
      s.free_rows[s.n_free++] = i;
    } else if (matches[i] == 1 && n > 1) {
      const int j1 = s.col_of[i];
      double m = kJvInf;
      for (int j = 0; j < n; ++j)
        if (j != j1 && cost[i * n + j] - s.v[j] < m) m = cost[i * n + j] - s.v[j];
      s.v[j1] -= m;
    }
  }
}

/// Step 3 of `hungarian`, then the row potentials u[i] = min_j (cost[i][j] - v[j]). Rows
/// displaced with a strictly lower potential are retried at once; the budget bounds how often
/// (a near-tie can lower a potential by a rounding step at a time).
IRREV_HD inline void jv_augmenting_row_reduction(const double* cost, int n, JvState& s) {
  int budget = 4 * n * n;
  for (int pass = 0; pass < 2; ++pass) {
    int k = 0;
    const int previous = s.n_free;
    s.n_free = 0;
    while (k < previous) {
      const int i = s.free_rows[k++];
      if (--budget < 0) {
        s.free_rows[s.n_free++] = i;
        continue;
      }
      // The row's best column j1 (the first at the least reduced cost) and its next best j2
      // (the first other one at the least of the others'): two minima and two short scans,
      // where one pass with branches on the costs' order mispredicts about half of them.
      double h[kMaxN];
      for (int j = 0; j < n; ++j) h[j] = cost[i * n + j] - s.v[j];
      const double h1 = row_least(h, n);
      int j1 = 0, j2 = 0;
      while (j1 < n - 1 && h[j1] != h1) ++j1;  // (the bound never binds: h1 is in h)
      h[j1] = kJvInf;                          // the others' least
      const double h2 = row_least(h, n);
      h[j1] = h1;
      if (n > 1)
        while (j2 < n - 1 && (j2 == j1 || h[j2] != h2)) ++j2;
      int i0 = s.row_of[j1];
      if (h1 < h2)
        s.v[j1] -= h2 - h1;
      else if (i0 >= 0)
        j1 = j2, i0 = s.row_of[j2];
      s.col_of[i] = j1, s.row_of[j1] = i;
      if (i0 >= 0) {
        s.col_of[i0] = -1;
        if (h1 < h2)
          s.free_rows[--k] = i0;
        else
          s.free_rows[s.n_free++] = i0;
      }
    }
  }
  for (int i = 0; i < n; ++i) {
    double h[kMaxN];
    for (int j = 0; j < n; ++j) h[j] = cost[i * n + j] - s.v[j];
    s.u[i] = row_least(h, n);
  }
}

/// Step 4 of `hungarian` for one free row: a Dijkstra search of the shortest augmenting path,
/// the potentials' update, and the path flipped into the matching.
IRREV_HD inline void jv_augment(const double* cost, int n, JvState& s, int start) {
  double dist[kMaxN], closed[kMaxN];
  std::int64_t path[kMaxN];  // as wide as a double, so that one mask selects both
  int reached_rows[kMaxN];
  for (int j = 0; j < n; ++j) dist[j] = kJvInf, closed[j] = 0, path[j] = 0;
  int n_reached = 0, i = start, sink = -1;
  double reached = 0;  // length of the shortest path found so far
  while (sink < 0) {
    reached_rows[n_reached++] = i;
    const double* c = cost + i * n;
    const double base = reached - s.u[i];
    double lowest = kJvInf;
    for (int j = 0; j < n; ++j) {
      const double d = base + c[j] - s.v[j];
      const bool better = d < dist[j] && closed[j] == 0;
      dist[j] = better ? d : dist[j];
      path[j] = better ? i : path[j];
      const double open = dist[j] + closed[j];
      lowest = open < lowest ? open : lowest;
    }
    int j = 0;
    while (dist[j] + closed[j] != lowest) ++j;
    reached = lowest;
    closed[j] = kJvInf;
    if (s.row_of[j] < 0)
      sink = j;
    else
      i = s.row_of[j];
  }
  // Potentials: rows and columns reached before the sink move by how much sooner they were
  // reached; reduced costs stay non-negative and zero along every matched pair.
  s.u[start] += reached;
  for (int k = 1; k < n_reached; ++k) {
    const int r = reached_rows[k];
    s.u[r] += reached - dist[s.col_of[r]];
  }
  for (int j = 0; j < n; ++j) s.v[j] -= closed[j] != 0 ? reached - dist[j] : 0.0;
  for (int j = sink;;) {  // flip the path
    const int r = static_cast<int>(path[j]);
    s.row_of[j] = r;
    const int next = s.col_of[r];
    s.col_of[r] = j;
    if (r == start) break;
    j = next;
  }
}

/// `column_potential`, when given, receives the final column potentials v (n values): with
/// u[i] = cost[i][row_to_col[i]] - v[row_to_col[i]] they bound every other assignment's cost
/// from below, which is how the tiled path certifies an assignment (pe_miu_tiles.cpp).
IRREV_HD inline double hungarian(const double* cost, int n, int* row_to_col, double* column_potential = nullptr) {
  JvState s;
  jv_column_reduction(cost, n, s);
  jv_augmenting_row_reduction(cost, n, s);
  for (int f = 0; f < s.n_free; ++f) jv_augment(cost, n, s, s.free_rows[f]);  // 4
  if (column_potential)
    for (int j = 0; j < n; ++j) column_potential[j] = s.v[j];
  double total = 0;
  for (int i = 0; i < n; ++i) {
    row_to_col[i] = s.col_of[i];
    total += cost[i * n + s.col_of[i]];
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
/// transposed probe; each distance sums its b terms in order k = 0..b-1. On the CPU four rows
/// go together: four independent sums per probe block instead of one chain of dependent
/// additions, the same arithmetic per distance, so the same costs to the last bit.
IRREV_HD inline void block_costs(const float* r, const float* qt, int n, int b, double* cost) {
  int i = 0;
#if !defined(__CUDA_ARCH__)  // a GPU thread would spill the four rows' sums to local memory
  for (; i + 4 <= n; i += 4) {
    double s0[kMaxN], s1[kMaxN], s2[kMaxN], s3[kMaxN];
    for (int j = 0; j < n; ++j) s0[j] = s1[j] = s2[j] = s3[j] = 0;
    const float* r0 = r + i * b;
    for (int k = 0; k < b; ++k) {
      const double a0 = r0[k], a1 = r0[b + k], a2 = r0[2 * b + k], a3 = r0[3 * b + k];
      const float* q = qt + k * n;
      for (int j = 0; j < n; ++j) {
        const double qj = q[j];
        const double d0 = a0 - qj, d1 = a1 - qj, d2 = a2 - qj, d3 = a3 - qj;
        s0[j] += d0 * d0;
        s1[j] += d1 * d1;
        s2[j] += d2 * d2;
        s3[j] += d3 * d3;
      }
    }
    for (int j = 0; j < n; ++j) {
      cost[i * n + j] = sqrt(s0[j]);
      cost[(i + 1) * n + j] = sqrt(s1[j]);
      cost[(i + 2) * n + j] = sqrt(s2[j]);
      cost[(i + 3) * n + j] = sqrt(s3[j]);
    }
  }
#endif
  for (; i < n; ++i) {
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

/// cosine(r, probe with block i := q_sigma(i)), from the norms sqrt(dot8(x, x, n * b)): the
/// score once the assignment is known, the same sums whichever way the costs were computed.
IRREV_HD inline double assigned_cosine(const float* r, double r_norm, const float* q, double q_norm, int n, int b,
                                       const int* sigma) {
  double dot = 0;
  for (int i = 0; i < n; ++i) dot += dot8(r + i * b, q + sigma[i] * b, b);
  const double norm = r_norm * q_norm;
  return norm > 0 ? dot / norm : 0.0;
}

/// The PE-MIU score with the probe prepared once for many references: `qt` its transposed
/// blocks, `r_norm` and `q_norm` the norms sqrt(dot8(x, x, n * b)).
IRREV_HD inline double pe_miu_score_prepared(const float* r, double r_norm, const float* q, const float* qt,
                                             double q_norm, int n, int b, double* cost, int* assignment) {
  block_costs(r, qt, n, b, cost);
  int local[kMaxN];
  int* sigma = assignment ? assignment : local;
  hungarian(cost, n, sigma);
  return assigned_cosine(r, r_norm, q, q_norm, n, b, sigma);
}

/// PE-MIU score, as the reference code computes it: cost[i][j] = ||r_i - q_j|| (plain, not
/// squared), Hungarian assignment sigma, score = cosine(r, probe with block i := q_sigma(i)).
/// `cost` is scratch of n * n values and `qt` of n * b; `assignment` receives sigma (may be null).
IRREV_HD inline double pe_miu_score(const float* r, const float* q, int n, int b, double* cost, float* qt,
                                    int* assignment) {
  transpose_blocks(q, n, b, qt);
  return pe_miu_score_prepared(r, sqrt(dot8(r, r, n * b)), q, qt, sqrt(dot8(q, q, n * b)), n, b, cost, assignment);
}

}  // namespace irrev::match::detail
