#pragma once
/// RSR tables from an attack's merged counts: per complexity, the mean over the plan's
/// permutations and their spread, and the expected RSR under real (uniform) PE-MIU.
#include <cstdint>
#include <string>
#include <vector>

#include "irrev/attack/attack_plan.hpp"
#include "irrev/attack/attack_tally.hpp"

namespace irrev::attack {

struct RsrRow {
  int blocks = 0;
  int complexity = 0;
  int type = 1;        ///< 1: against the same image's template; 2: another image of the subject
  double fmr = 0.001;  ///< the FMR whose threshold decides success
  double mean = 0, min = 0, median = 0, max = 0, std = 0;  ///< over the permutations
  /// 95 % Wilson interval of the mean with n = templates: the templates, shared by every
  /// permutation, are the independent units (not the permutation x template trials).
  double ci_low = 0, ci_high = 0;
  std::int64_t permutations = 0;
  std::int64_t templates = 0;
};

/// RSR of each plan entry for one success outcome (NaN where no template was tried).
std::vector<double> entry_rsr(const PlanTally& tally, Outcome hit);

/// One row per (complexity present in the plan, type, FMR), complexity ascending.
std::vector<RsrRow> rsr_by_complexity(const Plan& plan, const PlanTally& tally);

struct ExpectedRsr {
  int blocks = 0;
  int type = 1;
  double fmr = 0.001;
  double value = 0;
  std::string method;  ///< "N(n,k)/n! weights over complexities" or "mean of uniform draws"
};

/// Sum over k of N(n, k) / n! * RSR_k (every complexity must be in the plan), or for a
/// uniform plan the mean over its draws.
std::vector<ExpectedRsr> expected_rsr_uniform(const Plan& plan, const std::vector<RsrRow>& rows);

/// The targeted attack per complexity: the share of attacked templates it selects (yield) and
/// the type-I RSR among them (precision) at both FMRs, pooled over the complexity's permutations;
/// complexity -1 is the expectation under uniform PE-MIU (yield and selected successes weighted
/// by N(n, k) / n!). NaN precision where nothing was selected.
struct TargetedRow {
  int blocks = 0;
  int complexity = 0;
  double yield = 0, precision_fmr01 = 0, precision_fmr1 = 0;
  std::int64_t selected = 0, tried = 0;
};
std::vector<TargetedRow> targeted_by_complexity(const Plan& plan, const PlanTally& tally);

}  // namespace irrev::attack
