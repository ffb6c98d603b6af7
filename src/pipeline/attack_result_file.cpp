#include "attack_result_file.hpp"

#include <nlohmann/json.hpp>

#include "irrev/attack/rsr_summary.hpp"
#include "irrev/core/log.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/pipeline/attack_summary.hpp"

namespace irrev::pipeline::detail {
using nlohmann::json;

namespace {

/// The summary before its per-plan rows: the selection, thresholds and what the run measured.
AttackSummary summary_head(const AttackOptions& o, const PreparedAttack& a, const AttackRunFigures& f) {
  const AttackSettings& st = o.settings;
  const auto per_unit = [&](double total) { return f.units_run ? total / static_cast<double>(f.units_run) : 0.0; };
  AttackSummary s;
  s.out = o.out;
  s.templates = a.templates();
  s.templates_with_second_image = a.with_second;
  s.female = a.chosen.female;
  s.male = a.chosen.male;
  s.thresholds = a.thresholds;
  s.ranks = f.ranks;
  s.device = st.device.name();
  s.precision = name_of(st.precision);
  s.mode = st.unshuffle ? AttackMode::unshuffled : AttackMode::plain;
  if (st.unshuffle)
    s.recovery_method = st.unshuffle_model == attack::UnshuffleModel::synthesis
                            ? fmt::format("synthesis search over the {} model's orders, no second sample",
                                          name_of(st.synthesis_proposals))
                        : st.unshuffle_model == attack::UnshuffleModel::joint
                            ? std::string("joint model of the whole template, no second sample")
                            : fmt::format("{} block-position model, no second sample", name_of(st.unshuffle_model));
  s.resumed = f.resumed;
  s.seconds = f.seconds;
  s.samples = f.samples_total;
  s.samples_per_second = static_cast<double>(f.samples_total - f.samples_before) / f.seconds;
  s.units = f.units;
  s.units_run = f.units_run;
  s.unit_compute_seconds_mean = per_unit(f.compute_seconds);
  s.master_seconds_per_unit = per_unit(f.master_seconds);
  s.checkpoints = f.checkpoints;
  s.stalled_ranks = f.stalled_ranks;
  s.checkpoint_seconds_total = f.checkpoint_seconds;
  return s;
}

void write_selection(h5::File& f, const PreparedAttack& a) {
  std::vector<std::int64_t> rows(a.chosen.rows.begin(), a.chosen.rows.end());
  std::vector<std::int64_t> second(a.chosen.second_rows.begin(), a.chosen.second_rows.end());
  f.write("selection/row", rows);
  f.write("selection/second_row", second);
  std::vector<std::string> names;
  for (auto r : a.chosen.rows) names.push_back(a.set.images.names[static_cast<std::size_t>(r)]);
  f.write_strings("selection/name", names);
}

/// One plan's group: its permutations, the counts and RSR per entry, the score histograms.
void write_plan(h5::File& f, const attack::Plan& plan, const attack::PlanTally& tally) {
  const std::string g = "plans/" + plan.spec.name();
  const auto n = static_cast<std::uint64_t>(plan.spec.blocks);
  const auto entries = static_cast<std::uint64_t>(plan.size());
  std::vector<std::uint8_t> perms;
  std::vector<std::string> ranks;
  for (const auto& q : plan.permutations) {
    perms.insert(perms.end(), q.begin(), q.end());
    ranks.push_back(protect::to_decimal(protect::rank(q)));
  }
  f.write(g + "/permutation", perms, {entries, n});
  f.write_strings(g + "/rank", ranks);
  std::vector<std::int32_t> ks(plan.complexity.begin(), plan.complexity.end());
  f.write(g + "/complexity", ks);
  f.write(g + "/counts", tally.counts, {entries, static_cast<std::uint64_t>(attack::kOutcomes)});
  std::vector<double> rsr;
  for (auto hit : {attack::kType1Fmr01, attack::kType1Fmr1, attack::kType2Fmr01, attack::kType2Fmr1}) {
    auto v = attack::entry_rsr(tally, hit);
    rsr.insert(rsr.end(), v.begin(), v.end());
  }
  f.write(g + "/rsr", rsr, {4, entries});
  f.write(g + "/histograms", tally.histograms,
          {static_cast<std::uint64_t>(tally.histograms.size() / attack::kScoreBins),
           static_cast<std::uint64_t>(attack::kScoreBins)});
}

/// One plan's rows of the summary: RSR by complexity, the expected RSR under uniform PE-MIU,
/// the order recovery's quality and the targeted attack's yield where they ran.
void summarise_plan(AttackSummary& summary, const AttackSettings& st, const PreparedAttack& a, std::size_t p,
                    const attack::PlanTally& tally) {
  const auto& plan = a.plans[p];
  const auto rows_k = attack::rsr_by_complexity(plan, tally);
  for (const auto& row : rows_k) {
    const RsrRecord r{"", summary.mode, plan.spec.name(), row};
    summary.rsr.push_back(r);
    if (row.complexity == 0) summary.unprotected_rsr.push_back(r);
  }
  for (const auto& e : attack::expected_rsr_uniform(plan, rows_k))
    summary.expected_rsr_uniform.push_back(ExpectedRsrRecord{"", summary.mode, plan.spec.name(), e});
  if (!a.position_models.empty()) {
    // How well the order itself was recovered, on these templates under uniform PE-MIU.
    const auto& rows = a.inputs.templates;
    RecoveryRecord r;
    r.metrics =
        a.joint_model
            ? attack::evaluate_placements(attack::joint_placements(*a.joint_model, rows.data(), a.templates(),
                                                                   plan.spec.blocks, st.plans[p].seed, st.joint_beam),
                                          plan.spec.blocks, 8, 2, st.plans[p].seed)
            : attack::evaluate_unshuffle(a.position_models[p], rows.data(), a.templates(), 8, 2, st.plans[p].seed);
    r.mode = summary.mode;
    r.plan = plan.spec.name();
    r.model_templates = a.model_templates;
    // These are the models' own orders; the synthesis search's are measured by irrev unshuffle.
    r.model = a.joint_model ? "joint" : st.unshuffle_model == attack::UnshuffleModel::diagonal ? "diagonal" : "full";
    summary.recovery.push_back(r);
  }
  if (st.targeted_max_complexity >= 0)
    for (const auto& t : attack::targeted_by_complexity(plan, tally))
      summary.targeted.push_back(TargetedRecord{"", summary.mode, plan.spec.name(), st.targeted_max_complexity, t});
}

}  // namespace

AttackSummary write_attack_result(const AttackOptions& o, const std::string& key, const PreparedAttack& a,
                                  const AttackState& state, const AttackRunFigures& figures) {
  AttackSummary summary = summary_head(o, a, figures);
  h5::AtomicOutput out(o.out);
  h5::File& f = out.file();
  f.set_attribute("key", key);
  f.set_attribute("schema", "irrev attack 1");
  write_selection(f, a);
  for (std::size_t p = 0; p < a.plans.size(); ++p) {
    write_plan(f, a.plans[p], state.tallies[p]);
    summarise_plan(summary, o.settings, a, p, state.tallies[p]);
  }
  f.set_attribute("summary_json", json(summary).dump());
  if (!o.stage_key.empty()) f.set_attribute("stage_key", o.stage_key);
  out.commit();
  return summary;
}

}  // namespace irrev::pipeline::detail
