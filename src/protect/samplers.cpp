#include "irrev/protect/samplers.hpp"

#include "irrev/core/error.hpp"

namespace irrev::protect {

Permutation sample_uniform(int n, KeyedStream& stream) {
  IRREV_CHECK(n >= 1 && n <= kMaxBlocks, "block count {} is outside 1..{}", n, kMaxBlocks);
  Permutation p = identity(n);
  keyed_shuffle(p, stream);
  return p;
}

Permutation sample_with_complexity(int n, int k, KeyedStream& stream) {
  IRREV_CHECK(n >= 1 && n <= kMaxBlocks, "block count {} is outside 1..{}", n, kMaxBlocks);
  IRREV_CHECK(k >= 0 && k <= n && k != 1, "no permutation of {} blocks moves exactly {} (complexity is 0 or 2..{})", n,
              k, n);
  // k distinct positions, uniformly: the first k of a partial Fisher-Yates shuffle.
  Permutation positions = identity(n);
  for (int i = 0; i < k; ++i) {
    auto j = static_cast<std::size_t>(i) + stream.below(static_cast<std::uint32_t>(n - i));
    std::swap(positions[static_cast<std::size_t>(i)], positions[j]);
  }
  Permutation d;
  do {
    d = sample_uniform(std::max(k, 1), stream);
  } while (k > 0 && complexity(d) != k);
  Permutation p = identity(n);
  for (int i = 0; i < k; ++i) p[positions[static_cast<std::size_t>(i)]] = positions[d[static_cast<std::size_t>(i)]];
  return p;
}

std::vector<int> complexities(int n) {
  std::vector<int> ks{0};
  for (int k = 2; k <= n; ++k) ks.push_back(k);
  return ks;
}

std::vector<Permutation> fixed_seed_permutations(int n, std::uint64_t seed) {
  std::vector<Permutation> out;
  for (int k : complexities(n)) {
    // Template index all ones: a stream no per-template draw uses.
    KeyedStream stream(seed, 0xFFFFFFFFFFFFull, static_cast<std::uint64_t>(k));
    out.push_back(sample_with_complexity(n, k, stream));
  }
  return out;
}

std::vector<Permutation> permutations_in_rank_range(int n, u128 first, std::uint64_t count) {
  IRREV_CHECK(first + count <= factorial(n), "ranks [{}, {}) exceed {}! = {}", to_decimal(first),
              to_decimal(first + count), n, to_decimal(factorial(n)));
  std::vector<Permutation> out;
  out.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) out.push_back(unrank(first + i, n));
  return out;
}

}  // namespace irrev::protect
