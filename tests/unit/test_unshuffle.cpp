// Block-order recovery on templates whose true permutations are known: templates whose positions are told apart by
// their statistics, and templates whose blocks are identically distributed, where only chance-level accuracy may come
// out.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "irrev/attack/unshuffle.hpp"
#include "irrev/core/error.hpp"

using namespace irrev;

namespace {
/// rows x dim templates: value d ~ N(mean[d], sd[d]).
std::vector<float> draw(std::int64_t rows, const std::vector<double>& mean, const std::vector<double>& sd,
                        std::mt19937& rng) {
  const auto dim = static_cast<std::int64_t>(mean.size());
  std::normal_distribution<double> g;
  std::vector<float> x(static_cast<std::size_t>(rows * dim));
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t d = 0; d < dim; ++d)
      x[static_cast<std::size_t>(r * dim + d)] =
          static_cast<float>(mean[static_cast<std::size_t>(d)] + sd[static_cast<std::size_t>(d)] * g(rng));
  return x;
}
}  // namespace

TEST(Unshuffle, RecoversBlocksWhosePositionsDifferInDistribution) {
  // Every dimension has its own mean and spread, as behind a final batch norm.
  std::mt19937 rng(11);
  const int dim = 128, blocks = 8;
  std::vector<double> mean(dim), sd(dim);
  std::normal_distribution<double> g;
  std::uniform_real_distribution<double> s(0.5, 1.5);
  for (int d = 0; d < dim; ++d)
    mean[static_cast<std::size_t>(d)] = 1.5 * g(rng), sd[static_cast<std::size_t>(d)] = s(rng);
  const auto train = draw(2000, mean, sd, rng);
  const auto eval = draw(200, mean, sd, rng);
  const auto model = attack::BlockPositionModel::fit(train.data(), 2000, dim, blocks);
  const auto m = attack::evaluate_unshuffle(model, eval.data(), 200, 4, 2, 7);
  EXPECT_FALSE(m.chance_level);
  EXPECT_GT(m.position_accuracy, 0.95);
  EXPECT_GT(m.exact_rate, 0.8);
  EXPECT_LT(m.mean_displaced_after, 0.5);
  EXPECT_GT(m.complexity_exact_rate, 0.8);
  EXPECT_EQ(m.samples, 200 * 4);
  EXPECT_EQ(m.samples_by_complexity[5], 200 * 2);
  // The identity (complexity 0) is recognised as unshuffled.
  EXPECT_LT(m.estimated_by_complexity[0], 0.5);
}

TEST(Unshuffle, ReportsChanceWhereAllBlocksAreIdenticallyDistributed) {
  std::mt19937 rng(13);
  const int dim = 128, blocks = 8;
  const std::vector<double> mean(dim, 0.0), sd(dim, 1.0);
  const auto train = draw(2000, mean, sd, rng);
  const auto eval = draw(300, mean, sd, rng);
  const auto model = attack::BlockPositionModel::fit(train.data(), 2000, dim, blocks);
  const auto m = attack::evaluate_unshuffle(model, eval.data(), 300, 16, 0, 7);
  EXPECT_TRUE(m.chance_level) << "accuracy " << m.position_accuracy << " [" << m.position_ci_low << ", "
                              << m.position_ci_high << "] against chance " << m.chance;
  EXPECT_NEAR(m.position_accuracy, 1.0 / blocks, 0.03);
  EXPECT_LT(m.exact_rate, 0.01);
}

TEST(Unshuffle, FullCovarianceTellsApartPositionsThatDifferOnlyInCorrelation) {
  // Every value has mean 0 and variance 1; position j's values share a common factor with
  // weight rho_j. Means and spreads are alike everywhere, so only the full model tells them apart.
  std::mt19937 rng(17);
  const int dim = 64, blocks = 4, b = dim / blocks;
  const double rho[blocks] = {0.0, 0.3, 0.6, 0.9};
  auto draw_correlated = [&](std::int64_t rows) {
    std::normal_distribution<double> g;
    std::vector<float> x(static_cast<std::size_t>(rows * dim));
    for (std::int64_t r = 0; r < rows; ++r)
      for (int j = 0; j < blocks; ++j) {
        const double f = g(rng);
        for (int t = 0; t < b; ++t)
          x[static_cast<std::size_t>(r * dim + j * b + t)] =
              static_cast<float>(std::sqrt(rho[j]) * f + std::sqrt(1 - rho[j]) * g(rng));
      }
    return x;
  };
  const auto train = draw_correlated(3000);
  const auto eval = draw_correlated(300);
  const auto diagonal = attack::evaluate_unshuffle(attack::BlockPositionModel::fit(train.data(), 3000, dim, blocks),
                                                   eval.data(), 300, 8, 0, 7);
  const auto full = attack::evaluate_unshuffle(attack::BlockPositionModel::fit(train.data(), 3000, dim, blocks, true),
                                               eval.data(), 300, 8, 0, 7);
  EXPECT_FALSE(full.chance_level);
  EXPECT_GT(full.position_accuracy, 0.8);
  EXPECT_GT(full.position_accuracy, diagonal.position_accuracy + 0.3) << "diagonal " << diagonal.position_accuracy;
  EXPECT_GT(full.exact_rate, 0.6);
}

TEST(Unshuffle, RefusesABlockCountTheTemplatesCannotTake) {
  std::vector<float> x(10 * 100, 0.f);
  EXPECT_THROW(attack::BlockPositionModel::fit(x.data(), 10, 100, 8), InputError);
}
