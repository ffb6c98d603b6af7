#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "irrev/attack/attack_tally.hpp"
#include "irrev/attack/rsr_summary.hpp"
#include "irrev/dist/serialize.hpp"

using namespace irrev;
using namespace irrev::attack;

namespace {
/// A unit over entries [first, first + n) where entry e had `tried` templates and `hits[e]`
/// type-I successes at FMR 1 % (and half of them at 0.1 %).
UnitResult unit(std::int64_t first, const std::vector<std::int64_t>& hits, std::int64_t tried) {
  UnitResult u;
  u.first = first;
  u.entries = static_cast<std::int64_t>(hits.size());
  u.counts.assign(hits.size() * kOutcomes, 0);
  for (std::size_t e = 0; e < hits.size(); ++e) {
    u.counts[e * kOutcomes + kTriedType1] = tried;
    u.counts[e * kOutcomes + kType1Fmr1] = hits[e];
    u.counts[e * kOutcomes + kType1Fmr01] = hits[e] / 2;
  }
  return u;
}
}  // namespace

TEST(AttackTally, MergeIsOrderFreeAndSurvivesSerialisation) {
  UnitResult a = unit(0, {3, 1}, 10), b = unit(2, {5}, 10);
  // Histogram increments as a worker sends them: key (complexity * 2 + type) * bins + bin.
  a.hist_keys = {(2 * 2 + 0) * kScoreBins + 131};
  a.hist_counts = {2};
  b.hist_keys = {(3 * 2 + 1) * kScoreBins + 80, (2 * 2 + 0) * kScoreBins + 131};
  b.hist_counts = {1, 4};
  PlanTally x(4, 3), y(4, 3);
  x.add(a);
  x.add(b);
  y.add(dist::from_bytes<UnitResult>(dist::to_bytes(b)));
  y.add(dist::from_bytes<UnitResult>(dist::to_bytes(a)));
  EXPECT_EQ(x.counts, y.counts);
  EXPECT_EQ(x.histograms, y.histograms);
  EXPECT_EQ(x.count(1, kType1Fmr1), 1);
  EXPECT_EQ(x.histogram(2, 0)[131], 6);
  EXPECT_EQ(x.histogram(3, 1)[80], 1);
  EXPECT_EQ(x.histogram(3, 1)[81], 0);
}

/// A grant's units merged on the worker add up to the same tally as the units one by one,
/// however the units are grouped, after serialisation too; histogram keys stay ascending.
TEST(AttackTally, MergedUnitsAddUpToTheUnitsOneByOne) {
  std::vector<UnitResult> units;
  for (std::int64_t i = 0; i < 6; ++i) {
    UnitResult u = unit(i % 3, {i + 1}, 10);
    u.plan = static_cast<std::int32_t>(i % 2);
    // Ascending keys, as the pipeline sends them, overlapping between units.
    u.hist_keys = {static_cast<std::uint32_t>(2 * kScoreBins + 100 + i),
                   static_cast<std::uint32_t>(7 * kScoreBins + 3)};
    u.hist_counts = {static_cast<std::uint32_t>(i + 1), 2};
    u.recheck = {10, i, 0.001 * static_cast<double>(i)};
    units.push_back(u);
  }
  std::vector<PlanTally> one_by_one{PlanTally(4, 3), PlanTally(4, 3)};
  for (const auto& u : units) one_by_one[static_cast<std::size_t>(u.plan)].add(u);
  for (std::size_t grant : {1, 2, 4, 6}) {
    std::vector<PlanTally> merged{PlanTally(4, 3), PlanTally(4, 3)};
    RecheckStats recheck;
    for (std::size_t first = 0; first < units.size(); first += grant) {
      MergedUnits m;
      for (std::size_t i = first; i < std::min(units.size(), first + grant); ++i) m.add(units[i]);
      for (const auto& d : m.plans) EXPECT_TRUE(std::is_sorted(d.hist_keys.begin(), d.hist_keys.end()));
      m = dist::from_bytes<MergedUnits>(dist::to_bytes(m));
      for (const auto& d : m.plans) merged[static_cast<std::size_t>(d.plan)].add(d);
      recheck.add(m.recheck);
    }
    for (std::size_t p = 0; p < 2; ++p) {
      EXPECT_EQ(merged[p].counts, one_by_one[p].counts) << "grants of " << grant;
      EXPECT_EQ(merged[p].histograms, one_by_one[p].histograms) << "grants of " << grant;
    }
    EXPECT_EQ(recheck.rechecked, 0 + 1 + 2 + 3 + 4 + 5);
    EXPECT_DOUBLE_EQ(recheck.max_difference, 0.005);
  }
  EXPECT_EQ(one_by_one[1].histogram(1, 0)[101], 2);  // unit 1: key 2 x bins + 101, count 2
}

TEST(RsrSummary, MeanSpreadAndExpectationOverComplexities) {
  // 4 blocks, stratified 2 per complexity: entries k = 0, 2, 2, 3, 3, 4, 4.
  Plan plan;
  plan.spec.blocks = 4;
  plan.spec.kind = attack::PlanKind::stratified;
  plan.complexity = {0, 2, 2, 3, 3, 4, 4};
  plan.permutations.resize(7);
  PlanTally t(4, 7);
  t.add(unit(0, {10, 8, 6, 4, 2, 1, 0}, 10));
  auto rows = rsr_by_complexity(plan, t);
  auto find = [&](int k, int type, double fmr) {
    for (const auto& r : rows)
      if (r.complexity == k && r.type == type && r.fmr == fmr) return r;
    ADD_FAILURE() << "no row k=" << k;
    return RsrRow{};
  };
  auto k2 = find(2, 1, 0.01);
  EXPECT_DOUBLE_EQ(k2.mean, 0.7);
  EXPECT_DOUBLE_EQ(k2.min, 0.6);
  EXPECT_DOUBLE_EQ(k2.max, 0.8);
  EXPECT_DOUBLE_EQ(k2.median, 0.7);
  EXPECT_NEAR(k2.std, std::sqrt(0.02), 1e-12);
  EXPECT_EQ(k2.permutations, 2);
  EXPECT_EQ(k2.templates, 10);
  EXPECT_LT(k2.ci_low, 0.7);
  EXPECT_GT(k2.ci_high, 0.7);
  EXPECT_DOUBLE_EQ(find(0, 1, 0.01).mean, 1.0);
  EXPECT_DOUBLE_EQ(find(3, 1, 0.001).mean, (2 + 1) / 2.0 / 10.0);  // hits/2 rounded down: 2 and 1
  // No type-II reference was tried: no type-II rows.
  for (const auto& r : rows) EXPECT_EQ(r.type, 1);
  auto expected = expected_rsr_uniform(plan, rows);
  ASSERT_EQ(expected.size(), 2u);
  // (1 * 1.0 + 6 * 0.7 + 8 * 0.3 + 9 * 0.05) / 24
  EXPECT_NEAR(expected[1].value, (1 * 1.0 + 6 * 0.7 + 8 * 0.3 + 9 * 0.05) / 24.0, 1e-12);
  EXPECT_EQ(expected[1].fmr, 0.01);
}

TEST(RsrSummary, NoExpectationWhenAComplexityIsMissing) {
  Plan plan;
  plan.spec.blocks = 4;
  plan.spec.kind = attack::PlanKind::stratified;
  plan.complexity = {0, 2};
  plan.permutations.resize(2);
  PlanTally t(4, 2);
  t.add(unit(0, {5, 4}, 10));
  EXPECT_TRUE(expected_rsr_uniform(plan, rsr_by_complexity(plan, t)).empty());
}
