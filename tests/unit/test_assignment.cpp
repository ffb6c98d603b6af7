// The assignments against every permutation of small random matrices: the Hungarian's optimum,
// and the k best assignments (Murty) with the same costs in the same order, no assignment twice,
// the first one the Hungarian's.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>

#include "irrev/core/error.hpp"
#include "irrev/match/assignment.hpp"
#include "irrev/match/k_best_assignment.hpp"

using namespace irrev;

namespace {
double total(const std::vector<double>& cost, const std::vector<int>& col, int n) {
  double s = 0;
  for (int r = 0; r < n; ++r) s += cost[static_cast<std::size_t>(r * n + col[static_cast<std::size_t>(r)])];
  return s;
}

/// Every assignment's cost, sorted.
std::vector<double> all_costs(const std::vector<double>& cost, int n) {
  std::vector<int> col(static_cast<std::size_t>(n));
  std::iota(col.begin(), col.end(), 0);
  std::vector<double> out;
  do out.push_back(total(cost, col, n));
  while (std::next_permutation(col.begin(), col.end()));
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST(MinCostAssignment, FindsTheBruteForceOptimum) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(-3, 7);
  for (int n : {1, 2, 3, 5, 7}) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<double> cost(static_cast<std::size_t>(n * n));
      for (auto& c : cost) c = u(rng);
      const auto col = match::min_cost_assignment(cost, n);
      std::vector<int> seen(col);
      std::sort(seen.begin(), seen.end());
      std::vector<int> all(static_cast<std::size_t>(n));
      std::iota(all.begin(), all.end(), 0);
      ASSERT_EQ(seen, all) << "not a permutation";
      double best = 1e300;
      std::vector<int> p(all);
      do best = std::min(best, total(cost, p, n));
      while (std::next_permutation(p.begin(), p.end()));
      EXPECT_NEAR(total(cost, col, n), best, 1e-9) << "n " << n << " trial " << trial;
    }
  }
}

TEST(MinCostAssignment, RefusesAMatrixOfTheWrongSize) {
  EXPECT_THROW(match::min_cost_assignment(std::vector<double>(5, 0.0), 2), InputError);
}

TEST(KBestAssignment, MatchesEveryPermutationInOrder) {
  std::mt19937 rng(17);
  std::normal_distribution<double> g(0, 10);
  for (int n : {1, 2, 3, 5, 6}) {
    std::vector<double> cost(static_cast<std::size_t>(n * n));
    for (auto& v : cost) v = g(rng);
    const auto expected = all_costs(cost, n);
    const int k = std::min<int>(50, static_cast<int>(expected.size()) + 3);  // more than n! where n! is small
    const auto got = match::k_best_assignments(cost, n, k);
    ASSERT_EQ(got.size(), std::min<std::size_t>(static_cast<std::size_t>(k), expected.size())) << "n = " << n;
    std::set<std::vector<int>> seen;
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_NEAR(got[i].cost, expected[i], 1e-9) << "n = " << n << ", rank " << i;
      EXPECT_NEAR(got[i].cost, total(cost, got[i].column, n), 1e-9);
      EXPECT_TRUE(seen.insert(got[i].column).second) << "an assignment came twice, n = " << n;
    }
    EXPECT_EQ(got.front().column, match::min_cost_assignment(cost, n));
  }
}

TEST(KBestAssignment, RefusesBadInput) {
  EXPECT_THROW(match::k_best_assignments({1, 2, 3}, 2, 4), InputError);
  EXPECT_THROW(match::k_best_assignments({1, 2, 3, 4}, 2, 0), InputError);
  EXPECT_THROW(match::k_best_assignments({1, NAN, 3, 4}, 2, 1), InputError);
}
