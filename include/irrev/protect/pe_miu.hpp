#pragma once
/// PE-MIU protection (Terhörst et al., IEEE Access 2020): cut a D-value template into
/// n = D / b blocks of b values and reorder the blocks by a permutation.
#include <cstdint>
#include <vector>

#include "irrev/protect/permutation.hpp"

namespace irrev::protect {

/// n = dim / block; an InputError unless block divides dim and 1 <= n <= 32.
int block_count(int dim, int block);

/// out[i * b + j] = in[p[i] * b + j]: block i of the protected template is original block p[i].
void apply_blocks(const float* in, int dim, int block, const Permutation& p, float* out);

/// A protected template set: template t protected by a fresh permutation keyed by (seed, t).
struct ProtectedTemplates {
  int dim = 0;
  int block = 0;
  std::vector<float> values;              ///< row t at values[t * dim]
  std::vector<Permutation> permutations;  ///< the permutation of row t (rank, complexity derive)
};

ProtectedTemplates protect_all(const float* templates, std::int64_t count, int dim, int block, std::uint64_t seed);

}  // namespace irrev::protect
