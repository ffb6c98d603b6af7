#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "irrev/core/error.hpp"
#include "irrev/dist/serialize.hpp"
#include "irrev/metrics/error_rates.hpp"
#include "irrev/metrics/score_histogram.hpp"
#include "irrev/metrics/unlinkability.hpp"

using namespace irrev;
using namespace irrev::metrics;

namespace {
// Worked by hand: thresholds .1 .2 .3 .4 .5 .7 .75 .8 .9 (and above);
// FMR  1 .8 .6 .4 .4 .2 .2 0 0 0;  FNMR  0 0 0 0 .25 .25 .5 .5 .75 1.
ScoreSets small() { return ScoreSets({0.9, 0.8, 0.7, 0.4}, {0.1, 0.2, 0.3, 0.5, 0.75}); }
}  // namespace

TEST(ErrorRates, FmrAndFnmrFollowTheIsoConvention) {
  auto s = small();
  EXPECT_DOUBLE_EQ(s.fmr(0.5), 0.4);    // impostors >= t
  EXPECT_DOUBLE_EQ(s.fnmr(0.7), 0.25);  // genuine < t
  EXPECT_DOUBLE_EQ(s.fnmr(0.4), 0.0);
  EXPECT_EQ(s.thresholds().size(), 10u);
}

TEST(ErrorRates, EerByTheFvc2000Rule) {
  // First FMR - FNMR <= 0 at t = .7 (-.05); before it t = .5 (+.15). .2 + .25 < .4 + .25,
  // so t = .7 gives [.2, .25] and EER .225.
  auto e = eer_fvc2000(small());
  EXPECT_DOUBLE_EQ(e.low, 0.2);
  EXPECT_DOUBLE_EQ(e.high, 0.25);
  EXPECT_DOUBLE_EQ(e.eer, 0.225);
  EXPECT_DOUBLE_EQ(e.threshold, 0.7);
}

TEST(ErrorRates, ThresholdAtFmrBothRules) {
  auto s = small();
  auto bob = threshold_at_fmr(s, 0.2);
  EXPECT_DOUBLE_EQ(bob.threshold, 0.75);
  EXPECT_DOUBLE_EQ(bob.fnmr, 0.5);
  EXPECT_EQ(bob.false_matches, 1);
  EXPECT_EQ(bob.impostors, 5);
  auto none = threshold_at_fmr(s, 0.001);
  EXPECT_GT(none.threshold, 0.75);
  EXPECT_LT(none.threshold, 0.7500001);
  EXPECT_DOUBLE_EQ(none.fmr, 0.0);
  // FMR .2 (at .7 and .75) is nearest .29; the first such threshold is taken.
  auto nearest = threshold_at_fmr(s, 0.29, ThresholdRule::pyeer_nearest);
  EXPECT_DOUBLE_EQ(nearest.threshold, 0.7);
  EXPECT_DOUBLE_EQ(nearest.fnmr, 0.25);
}

TEST(ErrorRates, AucDprimeAndIntervals) {
  auto s = small();
  EXPECT_DOUBLE_EQ(auc(s), 17.0 / 20.0);
  EXPECT_NEAR(dprime(s), 1.5678773158804136, 1e-12);
  auto w = wilson(5, 10);
  EXPECT_NEAR(w.low, 0.236593090512564, 1e-9);
  EXPECT_NEAR(w.high, 0.7634069094874361, 1e-9);
  auto cp = clopper_pearson(0, 10);
  EXPECT_EQ(cp.low, 0.0);
  EXPECT_NEAR(cp.high, 0.30849710781876083, 1e-9);
  EXPECT_NEAR(probit(0.975), 1.959963984540054, 1e-9);
  EXPECT_THROW(ScoreSets({}, {0.1}), InputError);
}

TEST(ScoreHistogram, AgreesWithExactWithinOneBinAndMerges) {
  std::mt19937 rng(4);
  std::normal_distribution<double> gen(0.6, 0.12), imp(0.0, 0.1);
  std::vector<double> g(5000), i(200000);
  ScoreHistogram h1(-1, 1, 2000), h2(-1, 1, 2000);
  for (std::size_t k = 0; k < g.size(); ++k) (k % 2 ? h1 : h2).add_genuine(g[k] = gen(rng));
  for (std::size_t k = 0; k < i.size(); ++k) (k % 3 ? h1 : h2).add_impostor(i[k] = imp(rng));
  auto bytes = dist::to_bytes(h2);
  h1.merge(dist::from_bytes<ScoreHistogram>(bytes));
  EXPECT_EQ(h1.genuine_count(), 5000);
  EXPECT_EQ(h1.impostor_count(), 200000);
  ScoreSets exact(g, i);
  for (double target : {0.001, 0.01}) {
    auto a = threshold_at_fmr(exact, target), b = h1.threshold_at_fmr(target);
    EXPECT_LE(std::abs(a.threshold - b.threshold), h1.width()) << target;
    EXPECT_LE(b.fmr, target);
  }
  auto ea = eer_fvc2000(exact), eb = h1.eer();
  EXPECT_LE(std::abs(ea.threshold - eb.threshold), h1.width());
  EXPECT_THROW(h1.merge(ScoreHistogram(-1, 1, 1000)), InputError);
}

TEST(Unlinkability, IdenticalDistributionsAreUnlinkableDisjointOnesFullyLinkable) {
  std::mt19937 rng(8);
  std::normal_distribution<double> a(0, 1);
  std::vector<double> m(20000), nm(20000), far(20000);
  for (auto& x : m) x = a(rng);
  for (auto& x : nm) x = a(rng);
  for (auto& x : far) x = a(rng) + 50;
  EXPECT_LT(unlinkability(m, nm).d_sys, 0.05);
  EXPECT_NEAR(unlinkability(far, nm).d_sys, 1.0, 0.02);
}

TEST(ErrorRates, DetCurveRunsFromAllAcceptedToAllRejected) {
  auto s = small();
  auto det = det_curve(s, 100);
  ASSERT_EQ(det.size(), 10u);
  EXPECT_DOUBLE_EQ(det.front().fmr, 1.0);
  EXPECT_DOUBLE_EQ(det.front().fnmr, 0.0);
  EXPECT_DOUBLE_EQ(det.back().fmr, 0.0);
  EXPECT_DOUBLE_EQ(det.back().fnmr, 1.0);
  for (std::size_t i = 1; i < det.size(); ++i) {
    EXPECT_LE(det[i].fmr, det[i - 1].fmr);
    EXPECT_GE(det[i].fnmr, det[i - 1].fnmr);
  }
  EXPECT_NEAR(probit(0.5), 0.0, 1e-12);
  EXPECT_LT(probit(0.0), -6.0);  // clamped, finite
}
