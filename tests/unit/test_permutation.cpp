#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "irrev/core/error.hpp"
#include "irrev/protect/keyed_stream.hpp"
#include "irrev/protect/permutation.hpp"
#include "irrev/protect/samplers.hpp"

using namespace irrev;
using namespace irrev::protect;

TEST(Counts, EightBlocksMatchTheProtocol) {
  // PROTOCOL.md: k = 0, 2..8 -> 1, 28, 112, 630, 2464, 7420, 14832, 14833 (sum 40320).
  const std::vector<std::string> expected{"1", "28", "112", "630", "2464", "7420", "14832", "14833"};
  auto ks = complexities(8);
  ASSERT_EQ(ks.size(), expected.size());
  for (std::size_t i = 0; i < ks.size(); ++i)
    EXPECT_EQ(to_decimal(count_with_complexity(8, ks[i])), expected[i]) << "k=" << ks[i];
  EXPECT_EQ(count_with_complexity(8, 1), 0u);
}

TEST(Counts, SumToNFactorialUpTo32) {
  for (int n = 1; n <= 32; ++n) {
    u128 sum = 0;
    for (int k = 0; k <= n; ++k) sum += count_with_complexity(n, k);
    EXPECT_EQ(to_decimal(sum), to_decimal(factorial(n))) << n;
  }
  EXPECT_EQ(to_decimal(factorial(32)), "263130836933693530167218012160000000");
  EXPECT_EQ(to_decimal(derangements(32)), "96800425246141091510518408809597121");
}

TEST(Counts, MatchBruteForceForSmallN) {
  for (int n = 1; n <= 7; ++n) {
    std::vector<std::int64_t> by_k(static_cast<std::size_t>(n + 1), 0);
    Permutation p = identity(n);
    do {
      ++by_k[static_cast<std::size_t>(complexity(p))];
    } while (std::next_permutation(p.begin(), p.end()));
    for (int k = 0; k <= n; ++k)
      EXPECT_EQ(static_cast<std::int64_t>(count_with_complexity(n, k)), by_k[static_cast<std::size_t>(k)])
          << "n=" << n << " k=" << k;
  }
}

TEST(Rank, EnumeratesPermutationsInLexicographicOrder) {
  Permutation p = identity(6);
  u128 expected = 0;
  do {
    ASSERT_EQ(rank(p), expected);
    ASSERT_EQ(unrank(expected, 6), p);
    ++expected;
  } while (std::next_permutation(p.begin(), p.end()));
  EXPECT_EQ(expected, factorial(6));
}

TEST(Rank, ExactAt32Blocks) {
  Permutation rev(32);
  for (int i = 0; i < 32; ++i) rev[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(31 - i);
  EXPECT_EQ(rank(rev), factorial(32) - 1);
  EXPECT_EQ(unrank(factorial(32) - 1, 32), rev);
  EXPECT_EQ(unrank(0, 32), identity(32));
  u128 big = parse_decimal("123456789012345678901234567890123", "test");
  EXPECT_EQ(rank(unrank(big, 32)), big);
  EXPECT_THROW(unrank(factorial(32), 32), InputError);
  EXPECT_THROW(parse_decimal("12x", "test"), InputError);
}

TEST(Permutation, ComplexityAndInverse) {
  Permutation p{1, 0, 2, 4, 3};
  EXPECT_EQ(complexity(p), 4);
  auto q = inverse(Permutation{2, 0, 1});
  EXPECT_EQ(q, (Permutation{1, 2, 0}));
  EXPECT_FALSE(is_permutation(Permutation{0, 0, 1}));
}

TEST(Philox, KnownAnswers) {
  // Known-answer vectors of Philox4x32-10 (Salmon et al., Random123).
  auto a = philox4x32({0, 0, 0, 0}, {0, 0});
  EXPECT_EQ(a, (std::array<std::uint32_t, 4>{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}));
  auto b = philox4x32({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu});
  EXPECT_EQ(b, (std::array<std::uint32_t, 4>{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}));
  auto c = philox4x32({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, {0xa4093822u, 0x299f31d0u});
  EXPECT_EQ(c, (std::array<std::uint32_t, 4>{0xd16cfe09u, 0x94fdcceb, 0x5001e420u, 0x24126ea1u}));
}

TEST(KeyedStream, SameKeySameDrawsOtherKeyOtherDraws) {
  KeyedStream a(7, 3, 5), b(7, 3, 5), c(7, 3, 6), d(7, 4, 5), e(8, 3, 5);
  std::vector<std::uint32_t> va, vb, vc, vd, ve;
  for (int i = 0; i < 9; ++i) {
    va.push_back(a.next_u32());
    vb.push_back(b.next_u32());
    vc.push_back(c.next_u32());
    vd.push_back(d.next_u32());
    ve.push_back(e.next_u32());
  }
  EXPECT_EQ(va, vb);
  EXPECT_NE(va, vc);
  EXPECT_NE(va, vd);
  EXPECT_NE(va, ve);
}

namespace {
/// Draw `draws` permutations and check each of `support` outcomes appears near draws/support
/// times (chi-square, 1e-4 level for the support sizes used).
void expect_uniform(const std::function<Permutation(std::uint64_t)>& draw, std::size_t support, int draws,
                    double chi2_limit) {
  std::map<Permutation, int> seen;
  for (int i = 0; i < draws; ++i) ++seen[draw(static_cast<std::uint64_t>(i))];
  ASSERT_EQ(seen.size(), support);
  double expected = static_cast<double>(draws) / static_cast<double>(support), chi2 = 0;
  for (const auto& [p, c] : seen) chi2 += (c - expected) * (c - expected) / expected;
  EXPECT_LT(chi2, chi2_limit);
}
}  // namespace

TEST(Samplers, UniformCoversAllPermutationsEvenly) {
  // 4! = 24 outcomes; chi-square 23 degrees of freedom, p = 1e-4 at 55.
  expect_uniform(
      [](std::uint64_t i) {
        KeyedStream s(11, i, 0);
        return sample_uniform(4, s);
      },
      24, 24000, 55.0);
}

TEST(Samplers, ExactComplexityIsUniformWithinItsClass) {
  // n = 5, k = 3: C(5,3) * D_3 = 20 outcomes; 19 degrees of freedom, p = 1e-4 at 49.
  expect_uniform(
      [](std::uint64_t i) {
        KeyedStream s(3, i, 1);
        return sample_with_complexity(5, 3, s);
      },
      20, 20000, 49.0);
  for (int n : {2, 8, 16, 32}) {
    for (int k : complexities(n)) {
      KeyedStream s(1, static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(k));
      auto p = sample_with_complexity(n, k, s);
      ASSERT_TRUE(is_permutation(p));
      ASSERT_EQ(complexity(p), k) << "n=" << n;
    }
  }
  KeyedStream s(1, 1, 1);
  EXPECT_THROW(sample_with_complexity(8, 1, s), InputError);
}

TEST(Samplers, FixedSeedGivesOnePermutationPerComplexity) {
  auto a = fixed_seed_permutations(8, 2021), b = fixed_seed_permutations(8, 2021);
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.size(), 8u);
  auto ks = complexities(8);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(complexity(a[i]), ks[i]);
  EXPECT_NE(fixed_seed_permutations(8, 2022), a);
}

TEST(Samplers, RankRangeIsAUnitOfExhaustiveWork) {
  auto all = permutations_in_rank_range(8, 0, 40320);
  std::set<Permutation> distinct(all.begin(), all.end());
  EXPECT_EQ(distinct.size(), 40320u);
  auto part = permutations_in_rank_range(8, 1000, 5);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(part[static_cast<std::size_t>(i)], all[static_cast<std::size_t>(1000 + i)]);
  EXPECT_THROW(permutations_in_rank_range(8, 40318, 3), InputError);
}
