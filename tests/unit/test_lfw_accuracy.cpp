#include <gtest/gtest.h>

#include "irrev/core/error.hpp"
#include "irrev/metrics/lfw_accuracy.hpp"

using namespace irrev::metrics;

TEST(BestThreshold, SeparableScoresSplitBetweenTheClasses) {
  std::vector<double> s{0.1, 0.2, 0.7, 0.9};
  std::vector<bool> g{false, false, true, true};
  EXPECT_DOUBLE_EQ(best_accuracy_threshold(s, g), 0.45);
}

TEST(BestThreshold, TiesKeepTheLowestThresholdAndSameScoresStayTogether) {
  // Scores 0.5 appear as one genuine and one impostor: no threshold separates them.
  std::vector<double> s{0.3, 0.5, 0.5, 0.8};
  std::vector<bool> g{false, true, false, true};
  // Candidates: below all (2 right), >0.3: 3 right, >0.5: 3 right, >0.8: 2 right.
  EXPECT_DOUBLE_EQ(best_accuracy_threshold(s, g), 0.4);
}

TEST(BestThreshold, AllGenuineKeepsEveryPairSame) {
  std::vector<double> s{0.3, 0.6};
  std::vector<bool> g{true, true};
  EXPECT_LT(best_accuracy_threshold(s, g), 0.3);
}

TEST(KFold, ThresholdComesFromTheOtherFolds) {
  // Fold 0 alone would pick 0.55; folds 1 and 2 give 0.29, which misclassifies fold 0's
  // impostor at 0.3.
  std::vector<double> s{0.3, 0.8, 0.1, 0.4, 0.2, 0.38};
  std::vector<bool> g{false, true, false, true, false, true};
  std::vector<int> f{0, 0, 1, 1, 2, 2};
  auto r = k_fold_accuracy(s, g, f, 3);
  ASSERT_EQ(r.folds.size(), 3u);
  EXPECT_NEAR(r.folds[0].threshold, 0.29, 1e-12);
  EXPECT_NEAR(r.folds[1].threshold, 0.34, 1e-12);
  EXPECT_NEAR(r.folds[2].threshold, 0.35, 1e-12);
  EXPECT_DOUBLE_EQ(r.folds[0].accuracy, 0.5);
  EXPECT_DOUBLE_EQ(r.folds[1].accuracy, 1.0);
  EXPECT_DOUBLE_EQ(r.folds[2].accuracy, 1.0);
  EXPECT_NEAR(r.mean, 2.5 / 3, 1e-12);
}

TEST(KFold, EmptyFoldIsAnError) {
  std::vector<double> s{0.1, 0.9};
  std::vector<bool> g{false, true};
  std::vector<int> f{0, 0};
  EXPECT_THROW(k_fold_accuracy(s, g, f, 2), irrev::InputError);
}
