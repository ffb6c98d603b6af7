// The attack's summary as the run summary and the report read it: one struct, written and read
// in one place. A row of every kind goes to JSON and back unchanged; a summary of an earlier
// version (without the later run figures) still reads; a rate with nothing to count stays NaN.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "irrev/core/error.hpp"
#include "irrev/pipeline/attack_summary.hpp"

using namespace irrev;
using nlohmann::json;

namespace {
pipeline::AttackSummary example() {
  pipeline::AttackSummary s;
  s.out = "runs/x/attack_fr_feature.h5";
  s.templates = 32;
  s.templates_with_second_image = 20;
  s.female = 16;
  s.male = 16;
  s.thresholds = {0.34, 0.25, 87549528, "all-vs-all", "verify_fr_feature.h5, all-vs-all"};
  s.ranks = 3;
  s.device = "cpu";
  s.precision = "bf16";
  s.mode = pipeline::AttackMode::unshuffled;
  s.recovery_method = "joint model of the whole template, no second sample";
  s.resumed = "no";
  s.seconds = 12.5;
  s.samples = 1024;
  s.samples_per_second = 81.92;
  s.units = 8;
  s.units_run = 8;
  s.stalled_ranks = {2};
  attack::RsrRow row;
  row.blocks = 8;
  row.complexity = 0;
  row.mean = 0.9;
  row.permutations = 1;
  row.templates = 32;
  s.rsr.push_back({"", pipeline::AttackMode::plain, "b8-stratified", row});
  s.unprotected_rsr.push_back({"", pipeline::AttackMode::plain, "b8-stratified", row});
  attack::ExpectedRsr e;
  e.blocks = 8;
  e.value = 0.2;
  e.method = "N(n,k)/n! weights over complexities";
  s.expected_rsr_uniform.push_back({"", pipeline::AttackMode::plain, "b8-stratified", e});
  pipeline::RecoveryRecord r;
  r.plan = "b8-stratified";
  r.model = "joint";
  r.model_templates = 500;
  r.metrics.blocks = 8;
  r.metrics.templates = 32;
  r.metrics.position_accuracy = 0.75;
  r.metrics.chance = 0.125;
  r.metrics.samples_by_complexity = {0, 0, 3, 5};
  r.metrics.exact_by_complexity = {0, 0, 1, 0.4};
  r.metrics.estimated_by_complexity = {0, 0, 2, 3.2};
  s.recovery.push_back(r);
  attack::TargetedRow t;
  t.blocks = 8;
  t.complexity = -1;  // uniform PE-MIU
  t.yield = 0.25;
  t.precision_fmr01 = std::nan("");  // nothing selected at this threshold
  t.selected = 8;
  t.tried = 32;
  s.targeted.push_back({"", pipeline::AttackMode::plain, "b8-stratified", 2, t});
  return s;
}
}  // namespace

TEST(AttackSummary, EveryRowKindRoundTripsThroughJson) {
  const json written = example();
  const auto back = json::parse(written.dump()).get<pipeline::AttackSummary>();
  EXPECT_EQ(json(back).dump(), written.dump());
  EXPECT_EQ(written["mode"], "unshuffled (joint model of the whole template, no second sample)");
  EXPECT_EQ(back.mode, pipeline::AttackMode::unshuffled);
  EXPECT_EQ(back.recovery_method, "joint model of the whole template, no second sample");
  // An attack's own rows carry no run-level tags: one attack is one mode.
  EXPECT_FALSE(written["rsr"][0].contains("mode"));
  EXPECT_EQ(back.thresholds.impostors, 87549528);
  EXPECT_EQ(back.recovery.at(0).metrics.samples_by_complexity, (std::vector<std::int64_t>{0, 0, 3, 5}));
  EXPECT_DOUBLE_EQ(back.recovery.at(0).metrics.exact_by_complexity.at(3), 0.4);
  EXPECT_EQ(back.targeted.at(0).row.complexity, -1);
  EXPECT_EQ(written["targeted"][0]["complexity"], "uniform");
  EXPECT_TRUE(written["targeted"][0]["precision_fmr0.001"].is_null() ||
              std::isnan(written["targeted"][0]["precision_fmr0.001"].get<double>()));
  EXPECT_TRUE(std::isnan(back.targeted.at(0).row.precision_fmr01));
  EXPECT_DOUBLE_EQ(back.targeted.at(0).row.yield, 0.25);
}

TEST(AttackSummary, SummariesOfEarlierVersionsRead) {
  json old = example();
  for (const char* later : {"units", "units_run", "checkpoints", "stalled_ranks", "checkpoint_seconds_total",
                            "unit_compute_seconds_mean", "master_seconds_per_unit", "recovery", "targeted", "mode"})
    old.erase(later);
  const auto s = old.get<pipeline::AttackSummary>();
  EXPECT_EQ(s.mode, pipeline::AttackMode::plain);
  EXPECT_TRUE(s.recovery_method.empty());
  EXPECT_EQ(s.units, 0);
  EXPECT_TRUE(s.recovery.empty());
  EXPECT_EQ(s.rsr.size(), 1u);
  // What every version wrote is required: a summary without it is not an attack's.
  old.erase("templates");
  EXPECT_THROW(old.get<pipeline::AttackSummary>(), json::exception);
}

/// A run's summary tags each row with its extractor and mode; the mode's JSON is its name, and a
/// row of a run from before modes existed (extractor, no mode) is the plain attack's.
TEST(AttackSummary, RunRowsCarryTheirMode) {
  attack::RsrRow row;
  row.blocks = 4;
  row.templates = 8;
  const pipeline::RsrRecord tagged{"fr_feature", pipeline::AttackMode::unshuffled, "b4-exhaustive", row};
  json j = tagged;
  EXPECT_EQ(j["mode"], "unshuffled");
  EXPECT_EQ(j.get<pipeline::RsrRecord>().mode, pipeline::AttackMode::unshuffled);
  j.erase("mode");
  EXPECT_EQ(j.get<pipeline::RsrRecord>().mode, pipeline::AttackMode::plain);
  j["mode"] = "shuffled";
  EXPECT_THROW(j.get<pipeline::RsrRecord>(), InputError);
}
