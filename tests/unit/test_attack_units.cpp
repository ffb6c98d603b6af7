// The attack's work units: every (plan entry, template) pair in exactly one unit, in an order
// keyed by the unit-order seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "../../src/pipeline/attack_checkpoint.hpp"
#include "irrev/attack/plan_text.hpp"
#include "irrev/pipeline/attack_settings.hpp"

using namespace irrev;

namespace {
using UnitTuple = std::tuple<int, std::int64_t, std::int64_t, std::int64_t, std::int64_t>;

std::vector<UnitTuple> tuples(const std::vector<pipeline::detail::AttackUnit>& units) {
  std::vector<UnitTuple> out;
  for (const auto& u : units) out.emplace_back(u.plan, u.first, u.entries, u.t0, u.t1);
  return out;
}
}  // namespace

TEST(AttackUnits, CoverEveryPairOnceInAnOrderKeyedByTheSeed) {
  const std::vector<attack::Plan> plans{attack::make_plan(attack::parse_plan("4:exhaustive", 1, "test")),
                                        attack::make_plan(attack::parse_plan("8:stratified:2", 1, "test"))};
  const std::int64_t templates = 100;
  const auto a = pipeline::detail::cut_units(plans, templates, 3, 16, pipeline::AttackSettings{}.unit_order_seed);
  const auto b = pipeline::detail::cut_units(plans, templates, 3, 16, 7);
  const auto a_again = pipeline::detail::cut_units(plans, templates, 3, 16, pipeline::AttackSettings{}.unit_order_seed);

  // Each (entry, template) of each plan exactly once.
  for (std::size_t p = 0; p < plans.size(); ++p) {
    std::vector<int> seen(static_cast<std::size_t>(plans[p].size() * templates), 0);
    for (const auto& u : a)
      if (u.plan == static_cast<int>(p))
        for (auto e = u.first; e < u.first + u.entries; ++e)
          for (auto t = u.t0; t < u.t1; ++t) ++seen[static_cast<std::size_t>(e * templates + t)];
    EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; })) << "plan " << p;
  }
  // The same units under another key, in another order; the same key, the same order.
  EXPECT_EQ(tuples(a), tuples(a_again));
  EXPECT_NE(tuples(a), tuples(b));
  auto sa = tuples(a);
  auto sb = tuples(b);
  std::sort(sa.begin(), sa.end());
  std::sort(sb.begin(), sb.end());
  EXPECT_EQ(sa, sb);
}
