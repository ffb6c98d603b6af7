#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "../../src/match/detail/pe_miu_kernel.hpp"
#include "irrev/core/error.hpp"
#include "irrev/match/pe_miu_compare.hpp"
#include "irrev/match/pe_miu_tiles.hpp"
#include "irrev/protect/pe_miu.hpp"
#include "irrev/protect/samplers.hpp"

using namespace irrev;

namespace {
/// The minimum total cost by trying all n! assignments.
double brute_force_min(const std::vector<double>& cost, int n) {
  std::vector<int> s(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) s[static_cast<std::size_t>(i)] = i;
  double best = 1e300;
  do {
    double c = 0;
    for (int i = 0; i < n; ++i) c += cost[static_cast<std::size_t>(i * n + s[static_cast<std::size_t>(i)])];
    best = std::min(best, c);
  } while (std::next_permutation(s.begin(), s.end()));
  return best;
}
}  // namespace

TEST(Hungarian, MatchesBruteForceOnRandomMatrices) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(0, 10);
  for (int n = 1; n <= 7; ++n) {
    for (int trial = 0; trial < 40; ++trial) {
      std::vector<double> cost(static_cast<std::size_t>(n * n));
      for (auto& c : cost) c = trial % 3 == 0 ? std::floor(u(rng)) : u(rng);  // ties too
      int sigma[32];
      double got = match::detail::hungarian(cost.data(), n, sigma);
      EXPECT_NEAR(got, brute_force_min(cost, n), 1e-9) << "n=" << n << " trial=" << trial;
      std::vector<int> cols(sigma, sigma + n);
      std::sort(cols.begin(), cols.end());
      for (int i = 0; i < n; ++i) ASSERT_EQ(cols[static_cast<std::size_t>(i)], i);
    }
  }
}

TEST(Hungarian, NoCheaperReassignmentUpTo32Blocks) {
  // An assignment is optimal exactly when no cycle of rows passing their columns along lowers
  // the total: with w(i -> k) = cost[i][sigma(k)] - cost[i][sigma(i)], no negative cycle
  // (Floyd-Warshall finds one as a negative diagonal entry).
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(0, 1);
  for (int n : {8, 9, 16, 23, 32}) {
    for (int trial = 0; trial < 30; ++trial) {
      std::vector<double> cost(static_cast<std::size_t>(n * n));
      for (auto& c : cost) c = trial % 3 == 0 ? std::floor(8 * u(rng)) : u(rng);  // ties too
      int sigma[32];
      match::detail::hungarian(cost.data(), n, sigma);
      auto at = [&](int i, int j) { return cost[static_cast<std::size_t>(i * n + j)]; };
      std::vector<double> d(static_cast<std::size_t>(n * n));
      for (int i = 0; i < n; ++i)
        for (int k = 0; k < n; ++k) d[static_cast<std::size_t>(i * n + k)] = at(i, sigma[k]) - at(i, sigma[i]);
      for (int m = 0; m < n; ++m)
        for (int i = 0; i < n; ++i)
          for (int k = 0; k < n; ++k)
            d[static_cast<std::size_t>(i * n + k)] =
                std::min(d[static_cast<std::size_t>(i * n + k)],
                         d[static_cast<std::size_t>(i * n + m)] + d[static_cast<std::size_t>(m * n + k)]);
      for (int i = 0; i < n; ++i)
        ASSERT_GE(d[static_cast<std::size_t>(i * n + i)], -1e-9) << "n=" << n << " trial=" << trial;
      std::vector<int> cols(sigma, sigma + n);
      std::sort(cols.begin(), cols.end());
      for (int i = 0; i < n; ++i) ASSERT_EQ(cols[static_cast<std::size_t>(i)], i);
    }
  }
}

TEST(PeMiu, FourRowsAtOnceGiveTheSameCostsToTheLastBit) {
  // block_costs sums four reference rows together where it can; each distance must still be
  // the one-row chain's, bit for bit (n = 5 and 7 also take the one-row path for the rest).
  std::mt19937 rng(3);
  std::normal_distribution<float> g;
  for (int n : {4, 5, 7, 8, 16, 32}) {
    const int b = 8;
    std::vector<float> r(static_cast<std::size_t>(n * b)), q(r.size()), qt(r.size());
    for (auto& x : r) x = g(rng);
    for (auto& x : q) x = g(rng);
    match::detail::transpose_blocks(q.data(), n, b, qt.data());
    std::vector<double> cost(static_cast<std::size_t>(n * n));
    match::detail::block_costs(r.data(), qt.data(), n, b, cost.data());
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        double s = 0;
        for (int k = 0; k < b; ++k) {
          const double d =
              static_cast<double>(r[static_cast<std::size_t>(i * b + k)]) - q[static_cast<std::size_t>(j * b + k)];
          s += d * d;
        }
        ASSERT_EQ(cost[static_cast<std::size_t>(i * n + j)], std::sqrt(s)) << "n=" << n << " i=" << i << " j=" << j;
      }
  }
}

TEST(PeMiu, PlainNotSquaredDistanceDecides) {
  // Three 2-value blocks where the plain-distance assignment is the identity (total 9.162)
  // but the squared-distance one would swap blocks 0 and 1 (total 34 against 36).
  std::vector<float> r{3, -3, 2, 0, -1, 2};
  std::vector<float> p{3, -2, 1, -3, -1, -3};
  std::vector<int> sigma;
  double s = match::pe_miu_score(r.data(), p.data(), 6, 2, &sigma);
  EXPECT_EQ(sigma, (std::vector<int>{0, 1, 2}));
  // cosine(r, p): 12 / sqrt(27 * 33)
  EXPECT_NEAR(s, 12.0 / std::sqrt(27.0 * 33.0), 1e-12);
}

TEST(PeMiu, ShuffledCopyOfTheReferenceScoresOne) {
  std::mt19937 rng(9);
  std::normal_distribution<float> g;
  std::vector<float> r(512);
  for (auto& x : r) x = g(rng);
  for (int block : {16, 32, 64, 128}) {
    int n = protect::block_count(512, block);
    protect::KeyedStream stream(1, static_cast<std::uint64_t>(block), 0);
    auto perm = protect::sample_uniform(n, stream);
    std::vector<float> shuffled(512);
    protect::apply_blocks(r.data(), 512, block, perm, shuffled.data());
    std::vector<int> sigma;
    EXPECT_NEAR(match::pe_miu_score(r.data(), shuffled.data(), 512, block, &sigma), 1.0, 1e-12);
    // Reference block i sits at the probe position where perm put it: sigma = perm^-1.
    auto inv = protect::inverse(perm);
    for (int i = 0; i < n; ++i) EXPECT_EQ(sigma[static_cast<std::size_t>(i)], inv[static_cast<std::size_t>(i)]);
  }
}

TEST(PeMiu, BatchEqualsSingleAndChecksBlockSize) {
  std::mt19937 rng(2);
  std::normal_distribution<float> g;
  std::vector<float> t(4 * 128);
  for (auto& x : t) x = g(rng);
  std::vector<std::int64_t> a{0, 1, 2, 3, 0}, b{1, 2, 3, 0, 0};
  std::vector<double> scores(5);
  match::pe_miu_scores(t.data(), t.data(), 128, 32, a.data(), b.data(), 5, scores.data());
  for (int k = 0; k < 5; ++k)
    EXPECT_EQ(scores[static_cast<std::size_t>(k)],
              match::pe_miu_score(t.data() + a[static_cast<std::size_t>(k)] * 128,
                                  t.data() + b[static_cast<std::size_t>(k)] * 128, 128, 32));
  EXPECT_NEAR(scores[4], 1.0, 1e-12);
  try {
    match::pe_miu_score(t.data(), t.data(), 128, 48);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("block size 48 does not divide the template dimension 128"), std::string::npos)
        << e.what();
  }
}

TEST(PeMiu, ProtectAllRecordsThePermutationOfEveryRow) {
  std::vector<float> t(3 * 64);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i);
  auto p = protect::protect_all(t.data(), 3, 64, 8, 42);
  ASSERT_EQ(p.permutations.size(), 3u);
  for (int row = 0; row < 3; ++row) {
    const auto& perm = p.permutations[static_cast<std::size_t>(row)];
    ASSERT_TRUE(protect::is_permutation(perm));
    ASSERT_EQ(perm.size(), 8u);
    EXPECT_EQ(protect::unrank(protect::rank(perm), 8), perm);
    for (int i = 0; i < 8; ++i)
      EXPECT_EQ(p.values[static_cast<std::size_t>(row * 64 + i * 8)],
                t[static_cast<std::size_t>(row * 64 + perm[static_cast<std::size_t>(i)] * 8)]);
  }
  auto again = protect::protect_all(t.data(), 3, 64, 8, 42);
  EXPECT_EQ(again.values, p.values);
  EXPECT_EQ(again.permutations, p.permutations);
}

TEST(PeMiu, PreparedProbeGivesTheSameScoreBitForBit) {
  std::mt19937 rng(12);
  std::normal_distribution<float> g;
  std::vector<float> r(512), q(512), qt(512);
  for (auto& x : r) x = g(rng);
  for (auto& x : q) x = g(rng);
  for (int block : {16, 64, 512}) {
    match::PeMiuComparator c(512, block);
    c.transpose(q.data(), qt.data());
    EXPECT_EQ(c.score_prepared(r.data(), c.norm(r.data()), q.data(), qt.data(), c.norm(q.data())),
              c.score(r.data(), q.data()))
        << block;
  }
}

namespace {
/// Templates like face templates: a shared direction plus each one's own, so that blocks at the
/// same position resemble each other (the assignments are neither trivial nor random).
std::vector<float> correlated_templates(int count, int dim, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> mean(static_cast<std::size_t>(dim)), t(static_cast<std::size_t>(count * dim));
  for (auto& x : mean) x = g(rng);
  for (int i = 0; i < count; ++i)
    for (int k = 0; k < dim; ++k) t[static_cast<std::size_t>(i * dim + k)] = 0.6f * mean[k] + g(rng);
  return t;
}

/// Every score the tiles give, against PeMiuComparator's prepared path on the same pair.
int differing_scores(const std::vector<float>& refs, int n_refs, const std::vector<float>& probes, int n_probes,
                     int dim, int block, std::int64_t min_gap, match::TileCounts* counts = nullptr) {
  match::PeMiuTiles tiles(dim, block);
  std::vector<double> scores(static_cast<std::size_t>(n_refs * n_probes), -7.0);
  tiles.score(refs.data(), n_refs, probes.data(), n_probes, min_gap, scores.data());
  match::PeMiuComparator c(dim, block);
  std::vector<float> qt(static_cast<std::size_t>(dim));
  int differ = 0;
  for (int i = 0; i < n_refs; ++i)
    for (int j = 0; j < n_probes; ++j) {
      const double got = scores[static_cast<std::size_t>(i * n_probes + j)];
      if (j - i < min_gap) {
        differ += got != -7.0;  // not asked for: left as it was
        continue;
      }
      const float* r = refs.data() + i * dim;
      const float* q = probes.data() + j * dim;
      c.transpose(q, qt.data());
      differ += got != c.score_prepared(r, c.norm(r), q, qt.data(), c.norm(q));
    }
  if (counts) *counts = tiles.counts();
  return differ;
}
}  // namespace

// The tiled path (verify's all-vs-all): the same scores as the per-pair path to the last bit,
// at every block count (products and certificate up to 8 blocks, per pair beyond), over tiles of references and probes
// cut anywhere (70 x 90 pairs cross several tiles at every n), for all pairs and for the upper triangle of a set
// against itself.
TEST(PeMiuTiles, SameScoresAsThePerPairPathBitForBit) {
  const int dim = 512;
  const auto refs = correlated_templates(70, dim, 3), probes = correlated_templates(90, dim, 4);
  for (int block : {512, 128, 64, 32, 16}) {
    match::TileCounts counts;
    EXPECT_EQ(differing_scores(refs, 70, probes, 90, dim, block, std::numeric_limits<std::int64_t>::min(), &counts), 0)
        << block;
    EXPECT_EQ(counts.certified + counts.exact, 70 * 90) << block;
    if (dim / block <= 8)  // the products' path: the certificate settles almost every pair
      EXPECT_GT(counts.certified, 70 * 90 * 9 / 10) << block;
    else  // beyond 8 blocks, the per-pair path
      EXPECT_EQ(counts.exact, 70 * 90) << block;
    EXPECT_EQ(differing_scores(refs, 70, refs, 70, dim, block, 1), 0) << block;
    EXPECT_EQ(differing_scores(refs, 70, probes, 90, dim, block, 25), 0) << block;
  }
}

// Where two assignments cost the same (a reference whose blocks repeat), the products' costs
// cannot say which one the exact path takes: the certificate must fail and the exact path
// decide, so the score is still the per-pair path's.
TEST(PeMiuTiles, TiesGoThroughTheExactPath) {
  const int dim = 128, block = 16, n = dim / block;
  auto refs = correlated_templates(12, dim, 5);
  const auto probes = correlated_templates(20, dim, 6);
  for (int i = 0; i < 12; ++i)  // blocks 0 and 1 of each reference alike
    std::copy_n(refs.begin() + i * dim, block, refs.begin() + i * dim + block);
  match::TileCounts counts;
  EXPECT_EQ(differing_scores(refs, 12, probes, 20, dim, block, std::numeric_limits<std::int64_t>::min(), &counts), 0);
  EXPECT_EQ(counts.exact, 12 * 20) << "a tie was certified (n = " << n << ")";
}
