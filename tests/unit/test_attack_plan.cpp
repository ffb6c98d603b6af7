#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "irrev/attack/attack_plan.hpp"
#include "irrev/attack/plan_text.hpp"
#include "irrev/core/error.hpp"
#include "irrev/protect/samplers.hpp"

using namespace irrev;
using namespace irrev::attack;

namespace {
std::map<int, int> per_complexity(const Plan& p) {
  std::map<int, int> m;
  for (std::size_t i = 0; i < p.permutations.size(); ++i) {
    EXPECT_EQ(p.complexity[i], protect::complexity(p.permutations[i]));
    ++m[p.complexity[i]];
  }
  return m;
}
PlanSpec spec(int n, PlanKind kind, int m = 8, std::int64_t samples = 1000, std::uint64_t seed = 2021) {
  PlanSpec s;
  s.blocks = n;
  s.kind = kind;
  s.per_complexity = m;
  s.samples = samples;
  s.seed = seed;
  return s;
}
}  // namespace

TEST(AttackPlan, ExhaustiveEightBlocksIsEveryPermutationInRankOrder) {
  auto p = make_plan(spec(8, PlanKind::exhaustive));
  ASSERT_EQ(p.size(), 40320);
  for (std::int64_t i = 0; i < p.size(); i += 997)
    EXPECT_EQ(protect::rank(p.permutations[static_cast<std::size_t>(i)]), static_cast<protect::u128>(i));
  const std::map<int, int> expected{{0, 1}, {2, 28}, {3, 112}, {4, 630}, {5, 2464}, {6, 7420}, {7, 14832}, {8, 14833}};
  EXPECT_EQ(per_complexity(p), expected);
}

TEST(AttackPlan, StratifiedTakesDistinctDrawsAndWholeSmallComplexities) {
  auto p = make_plan(spec(8, PlanKind::stratified, 4));
  const std::map<int, int> expected{{0, 1}, {2, 4}, {3, 4}, {4, 4}, {5, 4}, {6, 4}, {7, 4}, {8, 4}};
  EXPECT_EQ(per_complexity(p), expected);
  std::set<protect::Permutation> distinct(p.permutations.begin(), p.permutations.end());
  EXPECT_EQ(distinct.size(), p.permutations.size());
  // 4 blocks, 10 asked per complexity: each complexity has fewer, so the plan is all 24.
  auto all = make_plan(spec(4, PlanKind::stratified, 10));
  const std::map<int, int> whole{{0, 1}, {2, 6}, {3, 8}, {4, 9}};
  EXPECT_EQ(per_complexity(all), whole);
}

TEST(AttackPlan, DrawsAreKeyedBySeed) {
  auto a = make_plan(spec(16, PlanKind::stratified, 3)), b = make_plan(spec(16, PlanKind::stratified, 3));
  EXPECT_EQ(a.permutations, b.permutations);
  auto c = make_plan(spec(16, PlanKind::stratified, 3, 1000, 7));
  EXPECT_NE(a.permutations, c.permutations);
}

TEST(AttackPlan, UniformFollowsTheComplexityDistribution) {
  auto p = make_plan(spec(8, PlanKind::uniform, 1, 20000));
  ASSERT_EQ(p.size(), 20000);
  auto m = per_complexity(p);
  // N(8, 8) / 8! = 0.3679; N(8, 2) / 8! = 0.000694. 20,000 draws: sd 0.0034 and 0.00019.
  EXPECT_NEAR(m[8] / 20000.0, uniform_weight(8, 8), 0.015);
  EXPECT_NEAR(m[7] / 20000.0, uniform_weight(8, 7), 0.015);
  EXPECT_LT(m[2], 50);
}

TEST(AttackPlan, FixedSeedHasOnePermutationPerComplexity) {
  auto p = make_plan(spec(8, PlanKind::fixed_seed));
  const std::map<int, int> expected{{0, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}, {6, 1}, {7, 1}, {8, 1}};
  EXPECT_EQ(per_complexity(p), expected);
}

TEST(AttackPlan, UniformWeightsSumToOne) {
  for (int n : {2, 4, 8, 16, 32}) {
    double sum = 0;
    for (int k : protect::complexities(n)) sum += uniform_weight(n, k);
    EXPECT_NEAR(sum, 1.0, 1e-12) << n;
  }
  EXPECT_DOUBLE_EQ(uniform_weight(4, 4), 9.0 / 24.0);
}

TEST(AttackPlan, BadSpecsAreRefusedWithTheReason) {
  EXPECT_THROW(make_plan(spec(12, PlanKind::exhaustive)), InputError);
  try {
    spec(5, PlanKind::exhaustive).validate(512, "job.toml");
    FAIL() << "5 blocks of a 512-D template accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("5 blocks do not divide a 512-D template"), std::string::npos) << e.what();
  }
}

TEST(PlanText, ParsesTheFormsAndRefusesOthers) {
  auto s = parse_plan("8:stratified:16", 5, "--plan");
  EXPECT_EQ(s.blocks, 8);
  EXPECT_EQ(s.kind, PlanKind::stratified);
  EXPECT_EQ(s.per_complexity, 16);
  EXPECT_EQ(s.seed, 5u);
  EXPECT_EQ(parse_plan("16:uniform:5000", 1, "x").samples, 5000);
  EXPECT_EQ(parse_plan("4:exhaustive", 1, "x").name(), "b4-exhaustive");
  for (const char* bad :
       {"8", "8:exhaustive:3", "x:exhaustive", "8:stratified:0", "8:stratified:-2", "8:bogus", "8:uniform:1e3"})
    EXPECT_THROW(parse_plan(bad, 1, "--plan"), InputError) << bad;
}

TEST(AttackPlan, SpecRoundTripsThroughJson) {
  for (const char* text : {"8:exhaustive", "16:stratified:5", "32:uniform:300", "8:fixed-seed"}) {
    const auto spec = parse_plan(text, 77, "test");
    const auto back = nlohmann::json(spec).get<PlanSpec>();
    EXPECT_EQ(nlohmann::json(back).dump(), nlohmann::json(spec).dump()) << text;
    EXPECT_EQ(make_plan(back).permutations, make_plan(spec).permutations) << text;
  }
}
