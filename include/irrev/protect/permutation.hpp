#pragma once
/// Permutations of n <= 32 blocks: exact ranks (Lehmer code), complexity and exact counts.
///
/// Convention, used everywhere in irrev: p[i] is the original block that PE-MIU puts at
/// position i. The complexity is the number of positions whose block moved, #{i : p[i] != i}.
#include <cstdint>
#include <string>
#include <vector>

namespace irrev::protect {

/// Unsigned 128-bit integer: 32! < 2^118, so ranks and counts for n <= 32 are exact.
__extension__ typedef unsigned __int128 u128;

constexpr int kMaxBlocks = 32;

using Permutation = std::vector<std::uint8_t>;

/// Decimal digits of a 128-bit value (exact beyond 2^53, where JSON numbers stop being exact).
std::string to_decimal(u128 value);
/// Parse decimal digits; throws InputError naming `what` on anything else or on overflow.
u128 parse_decimal(const std::string& text, const std::string& what);

u128 factorial(int n);
/// Derangement number D_k: D_0 = 1, D_1 = 0, D_k = (k - 1)(D_{k-1} + D_{k-2}).
u128 derangements(int k);
u128 binomial(int n, int k);
/// N(n, k) = C(n, k) * D_k: permutations of n blocks with exactly k of them moved.
u128 count_with_complexity(int n, int k);

Permutation identity(int n);
bool is_permutation(const Permutation& p);
int complexity(const Permutation& p);
/// Lehmer rank in [0, n!): rank 0 is the identity, n! - 1 the reversal.
u128 rank(const Permutation& p);
Permutation unrank(u128 r, int n);
/// q with q[p[i]] = i.
Permutation inverse(const Permutation& p);

}  // namespace irrev::protect
