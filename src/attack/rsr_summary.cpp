#include "irrev/attack/rsr_summary.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <tuple>

#include "irrev/metrics/error_rates.hpp"
#include "irrev/protect/samplers.hpp"

namespace irrev::attack {
namespace {
struct Measure {
  int type;
  double fmr;
  Outcome hit, tried;
};
constexpr Measure kMeasures[] = {{1, 0.001, kType1Fmr01, kTriedType1},
                                 {1, 0.01, kType1Fmr1, kTriedType1},
                                 {2, 0.001, kType2Fmr01, kTriedType2},
                                 {2, 0.01, kType2Fmr1, kTriedType2}};
Outcome tried_of(Outcome hit) { return hit == kType1Fmr01 || hit == kType1Fmr1 ? kTriedType1 : kTriedType2; }
}  // namespace

std::vector<double> entry_rsr(const PlanTally& tally, Outcome hit) {
  std::vector<double> out(static_cast<std::size_t>(tally.entries()));
  for (std::int64_t e = 0; e < tally.entries(); ++e) {
    const auto n = tally.count(e, tried_of(hit));
    out[static_cast<std::size_t>(e)] = n > 0 ? static_cast<double>(tally.count(e, hit)) / static_cast<double>(n) : NAN;
  }
  return out;
}

std::vector<RsrRow> rsr_by_complexity(const Plan& plan, const PlanTally& tally) {
  std::vector<RsrRow> rows;
  for (const auto& m : kMeasures) {
    const auto rsr = entry_rsr(tally, m.hit);
    std::map<int, std::vector<double>> by_k;
    std::map<int, std::int64_t> templates;
    for (std::int64_t e = 0; e < plan.size(); ++e) {
      const double r = rsr[static_cast<std::size_t>(e)];
      if (std::isnan(r)) continue;
      const int k = plan.complexity[static_cast<std::size_t>(e)];
      by_k[k].push_back(r);
      templates[k] = std::max(templates[k], tally.count(e, m.tried));
    }
    for (auto& [k, v] : by_k) {
      RsrRow row;
      row.blocks = plan.spec.blocks;
      row.complexity = k;
      row.type = m.type;
      row.fmr = m.fmr;
      row.permutations = static_cast<std::int64_t>(v.size());
      row.templates = templates[k];
      double sum = 0;
      for (double r : v) sum += r;
      row.mean = sum / static_cast<double>(v.size());
      double ss = 0;
      for (double r : v) ss += (r - row.mean) * (r - row.mean);
      row.std = v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0;
      std::sort(v.begin(), v.end());
      row.min = v.front();
      row.max = v.back();
      const std::size_t h = v.size() / 2;
      row.median = v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
      const auto hits = static_cast<std::int64_t>(std::llround(row.mean * static_cast<double>(row.templates)));
      const auto ci = metrics::wilson(hits, row.templates);
      row.ci_low = ci.low;
      row.ci_high = ci.high;
      rows.push_back(row);
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const RsrRow& a, const RsrRow& b) {
    return std::tie(a.complexity, a.type, a.fmr) < std::tie(b.complexity, b.type, b.fmr);
  });
  return rows;
}

std::vector<ExpectedRsr> expected_rsr_uniform(const Plan& plan, const std::vector<RsrRow>& rows) {
  std::vector<ExpectedRsr> out;
  const int n = plan.spec.blocks;
  for (const auto& m : kMeasures) {
    ExpectedRsr e;
    e.blocks = n;
    e.type = m.type;
    e.fmr = m.fmr;
    if (plan.spec.kind == PlanKind::uniform) {
      // The draws are PE-MIU's own distribution: their plain mean estimates the expectation.
      double sum = 0, weight = 0;
      for (const auto& r : rows)
        if (r.type == m.type && r.fmr == m.fmr) {
          sum += r.mean * static_cast<double>(r.permutations);
          weight += static_cast<double>(r.permutations);
        }
      if (weight == 0) continue;
      e.value = sum / weight;
      e.method = "mean over uniform draws";
    } else {
      double sum = 0;
      int found = 0;
      for (int k : protect::complexities(n))
        for (const auto& r : rows)
          if (r.type == m.type && r.fmr == m.fmr && r.complexity == k) {
            sum += uniform_weight(n, k) * r.mean;
            ++found;
          }
      if (found != static_cast<int>(protect::complexities(n).size())) continue;
      e.value = sum;
      e.method = "sum over k of N(n,k)/n! * RSR_k";
    }
    out.push_back(e);
  }
  return out;
}

std::vector<TargetedRow> targeted_by_complexity(const Plan& plan, const PlanTally& tally) {
  const int n = plan.spec.blocks;
  std::vector<std::array<double, 4>> sums(static_cast<std::size_t>(n) + 1, {0, 0, 0, 0});  // tried, sel, hit01, hit1
  for (std::int64_t e = 0; e < plan.size(); ++e) {
    auto& s = sums[static_cast<std::size_t>(plan.complexity[static_cast<std::size_t>(e)])];
    s[0] += static_cast<double>(tally.count(e, kTriedType1));
    s[1] += static_cast<double>(tally.count(e, kSelected));
    s[2] += static_cast<double>(tally.count(e, kSelectedFmr01));
    s[3] += static_cast<double>(tally.count(e, kSelectedFmr1));
  }
  std::vector<TargetedRow> rows;
  std::array<double, 4> expected{0, 0, 0, 0};
  double covered = 0;
  auto row = [&](int k, const std::array<double, 4>& s) {
    TargetedRow r;
    r.blocks = n;
    r.complexity = k;
    r.tried = static_cast<std::int64_t>(s[0]);
    r.selected = static_cast<std::int64_t>(s[1]);
    r.yield = s[0] > 0 ? s[1] / s[0] : std::nan("");
    r.precision_fmr01 = s[1] > 0 ? s[2] / s[1] : std::nan("");
    r.precision_fmr1 = s[1] > 0 ? s[3] / s[1] : std::nan("");
    return r;
  };
  for (int k = 0; k <= n; ++k) {
    const auto& s = sums[static_cast<std::size_t>(k)];
    if (s[0] == 0) continue;
    rows.push_back(row(k, s));
    // Per tried template, weighted by the share of complexity k under uniform PE-MIU.
    const double w = uniform_weight(n, k);
    covered += w;
    for (int i = 1; i < 4; ++i) expected[static_cast<std::size_t>(i)] += w * s[static_cast<std::size_t>(i)] / s[0];
  }
  if (covered > 0) {
    for (int i = 1; i < 4; ++i) expected[static_cast<std::size_t>(i)] /= covered;
    expected[0] = 1;
    auto r = row(-1, expected);
    r.tried = r.selected = 0;
    rows.push_back(r);
  }
  return rows;
}

}  // namespace irrev::attack
