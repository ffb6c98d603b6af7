#pragma once
/// Ways to draw block permutations. Every draw is keyed (see KeyedStream), so that a result
/// never depends on the rank that drew it or on the order of work.
#include <cstdint>
#include <vector>

#include "irrev/protect/keyed_stream.hpp"
#include "irrev/protect/permutation.hpp"

namespace irrev::protect {

/// A uniform permutation of n blocks (Fisher-Yates): what PE-MIU itself uses.
Permutation sample_uniform(int n, KeyedStream& stream);

/// A uniform permutation with exactly k blocks moved: k positions chosen uniformly, then a
/// uniform derangement of them (rejection: a uniform permutation of k until none is fixed).
/// k = 1 has no such permutation and is an error.
Permutation sample_with_complexity(int n, int k, KeyedStream& stream);

/// Complexities that exist for n blocks: 0, 2, 3, ..., n.
std::vector<int> complexities(int n);

/// The reference study's "fixed seed" plan: one permutation per complexity, shared by every
/// template, drawn with the given seed. Entry i has complexity complexities(n)[i].
std::vector<Permutation> fixed_seed_permutations(int n, std::uint64_t seed);

/// Ranks [first, first + count) in order: a unit of exhaustive work.
std::vector<Permutation> permutations_in_rank_range(int n, u128 first, std::uint64_t count);

}  // namespace irrev::protect
