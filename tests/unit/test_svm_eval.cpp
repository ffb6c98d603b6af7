#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "irrev/core/error.hpp"
#include "irrev/metrics/svm_eval.hpp"

using namespace irrev::metrics;

namespace {
struct Data {
  std::vector<float> x;
  std::vector<int> y;
  int d;
};

double mean_accuracy(const Data& s, SvmKernel kernel) {
  const auto n = static_cast<std::int64_t>(s.y.size());
  auto folds = stratified_folds(s.y, 10, 7);
  double sum = 0;
  for (int f = 0; f < 10; ++f) sum += svm_fold_accuracy(s.x.data(), n, s.d, s.y, folds, f, kernel);
  return sum / 10;
}

/// Two Gaussian clouds (sd 1) whose means are `gap` apart along every axis.
Data blobs(int per_class, int d, double gap, bool random_labels) {
  std::mt19937 rng(11);
  std::normal_distribution<float> g(0, 1);
  std::bernoulli_distribution coin(0.5);
  Data s{{}, {}, d};
  for (int cls : {0, 1})
    for (int i = 0; i < per_class; ++i) {
      for (int j = 0; j < d; ++j) s.x.push_back(g(rng) + static_cast<float>(cls * gap));
      s.y.push_back(random_labels ? static_cast<int>(coin(rng)) : cls);
    }
  return s;
}
}  // namespace

TEST(SvmEval, GammaScaleIsScikitLearns) {
  // Values 0, 2, 2, 0: mean 1, variance 1; D = 2 -> gamma = 1 / (2 * 1).
  const std::vector<float> x{0, 2, 2, 0};
  EXPECT_DOUBLE_EQ(gamma_scale(x.data(), 2, 2), 0.5);
  const std::vector<float> flat{3, 3, 3, 3};
  EXPECT_THROW(gamma_scale(flat.data(), 2, 2), irrev::InputError);
}

TEST(SvmEval, StratifiedFoldsKeepTheClassProportion) {
  std::vector<int> y(50, 0);
  for (int i = 0; i < 20; ++i) y[static_cast<std::size_t>(i * 2)] = 1;  // 20 of class 1, 30 of class 0
  auto folds = stratified_folds(y, 10, 3);
  for (int f = 0; f < 10; ++f) {
    int ones = 0, zeros = 0;
    for (std::size_t i = 0; i < y.size(); ++i)
      if (folds[i] == f) (y[i] ? ones : zeros)++;
    EXPECT_EQ(ones, 2) << f;
    EXPECT_EQ(zeros, 3) << f;
  }
  EXPECT_EQ(stratified_folds(y, 10, 3), folds);  // keyed: the same every time
}

TEST(SvmEval, KernelNamesAreChecked) {
  EXPECT_EQ(irrev::enum_from_name<SvmKernel>("rbf", "test"), SvmKernel::rbf);
  EXPECT_THROW(irrev::enum_from_name<SvmKernel>("linear", "test"), irrev::InputError);
}

#ifdef IRREV_WITH_OPENCV
TEST(SvmEval, SeparableCloudsAreClassifiedByEveryKernel) {
  auto s = blobs(60, 16, 2.0, false);
  EXPECT_GE(mean_accuracy(s, SvmKernel::rbf), 0.99);
  EXPECT_GE(mean_accuracy(s, SvmKernel::poly), 0.95);
  EXPECT_GE(mean_accuracy(s, SvmKernel::sigmoid), 0.95);
}

TEST(SvmEval, LabelsIndependentOfTheDataGiveChance) {
  auto s = blobs(60, 16, 0.0, true);
  EXPECT_NEAR(mean_accuracy(s, SvmKernel::rbf), 0.5, 0.12);
  EXPECT_NEAR(mean_accuracy(s, SvmKernel::poly), 0.5, 0.12);
}

TEST(SvmEval, RbfSeparatesXorWhichNoLineDoes) {
  // Label = sign(x0) xor sign(x1): not linearly separable, but an RBF kernel learns it.
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1, 1);
  Data s{{}, {}, 2};
  while (s.y.size() < 200) {
    float a = u(rng), b = u(rng);
    if (std::fabs(a) < 0.1f || std::fabs(b) < 0.1f) continue;
    s.x.push_back(a);
    s.x.push_back(b);
    s.y.push_back((a > 0) != (b > 0));
  }
  EXPECT_GE(mean_accuracy(s, SvmKernel::rbf), 0.9);
}
#else
// A build without OpenCV (the GPU machine's, a cluster's without it) refuses the SVM and says how
// to get it, instead of a wrong accuracy.
TEST(SvmEval, WithoutOpenCvTheSvmIsRefusedNamingTheOption) {
  auto s = blobs(10, 2, 2.0, false);
  try {
    mean_accuracy(s, SvmKernel::rbf);
    FAIL() << "the SVM ran without OpenCV";
  } catch (const irrev::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("IRREV_WITH_OPENCV=ON"), std::string::npos) << e.what();
  }
}
#endif
