#include "attack_checkpoint.hpp"

#include "irrev/core/error.hpp"
#include "irrev/data/json_reading.hpp"
#include "irrev/pipeline/attack_stage.hpp"
#include "irrev/pipeline/rsr_records.hpp"
#include "irrev/protect/keyed_stream.hpp"
#include "unit_checkpoint.hpp"

namespace irrev::pipeline {

std::int64_t attack_units(const std::vector<attack::Plan>& plans, std::int64_t templates, std::int64_t per_entries,
                          std::int64_t per_templates) {
  const auto runs = [](std::int64_t n, std::int64_t per) { return (n + per - 1) / per; };
  std::int64_t units = 0;
  for (const auto& p : plans) units += runs(p.size(), per_entries) * runs(templates, per_templates);
  return units;
}

}  // namespace irrev::pipeline

namespace irrev::pipeline::detail {
using nlohmann::json;

std::vector<AttackUnit> cut_units(const std::vector<attack::Plan>& plans, std::int64_t templates,
                                  std::int64_t per_entries, std::int64_t per_templates, std::uint64_t order_seed) {
  std::vector<AttackUnit> units;
  for (std::size_t p = 0; p < plans.size(); ++p)
    for (std::int64_t e = 0; e < plans[p].size(); e += per_entries)
      for (std::int64_t t = 0; t < templates; t += per_templates)
        units.push_back({static_cast<int>(p), e, std::min(per_entries, plans[p].size() - e), t,
                         std::min(t + per_templates, templates)});
  IRREV_ASSERT(static_cast<std::int64_t>(units.size()) == attack_units(plans, templates, per_entries, per_templates),
               "attack_units() does not count the units cut_units() cuts");
  protect::KeyedStream s(order_seed, 0, 0);
  protect::keyed_shuffle(units, s);
  return units;
}

namespace {

/// A partial table's rows (no plan: the table is grouped by plan; no extractor, so no mode in
/// their JSON).
std::vector<RsrRecord> rsr_records(const std::vector<attack::RsrRow>& rows) {
  std::vector<RsrRecord> out;
  for (const auto& r : rows) out.push_back({"", AttackMode::plain, "", r});
  return out;
}

/// An empty string when `s` is what its finished units imply; else what is wrong.
std::string inconsistency(const std::vector<attack::Plan>& plans, const std::vector<AttackUnit>& units,
                          const AttackState& s) {
  using namespace attack;
  std::vector<std::vector<std::int64_t>> tried(plans.size());
  for (std::size_t p = 0; p < plans.size(); ++p) tried[p].assign(static_cast<std::size_t>(plans[p].size()), 0);
  for (std::size_t u = 0; u < units.size(); ++u) {
    if (!s.done[u]) continue;
    for (std::int64_t e = units[u].first; e < units[u].first + units[u].entries; ++e)
      tried[static_cast<std::size_t>(units[u].plan)][static_cast<std::size_t>(e)] += units[u].t1 - units[u].t0;
  }
  for (std::size_t p = 0; p < plans.size(); ++p) {
    const auto& t = s.tallies[p];
    std::vector<std::int64_t> by_k(static_cast<std::size_t>(plans[p].spec.blocks + 1) * 2, 0);
    for (std::int64_t e = 0; e < plans[p].size(); ++e) {
      const auto c = [&](Outcome o) { return t.count(e, o); };
      if (c(kTriedType1) != tried[p][static_cast<std::size_t>(e)])
        return fmt::format("plan {} entry {}: {} templates counted, its finished units hold {}", plans[p].spec.name(),
                           e, c(kTriedType1), tried[p][static_cast<std::size_t>(e)]);
      const bool ok = c(kTriedType2) >= 0 && c(kTriedType2) <= c(kTriedType1) && c(kType1Fmr01) >= 0 &&
                      c(kType1Fmr01) <= c(kType1Fmr1) && c(kType1Fmr1) <= c(kTriedType1) && c(kType2Fmr01) >= 0 &&
                      c(kType2Fmr01) <= c(kType2Fmr1) && c(kType2Fmr1) <= c(kTriedType2) && c(kSelected) >= 0 &&
                      c(kSelected) <= c(kTriedType1) && c(kSelectedFmr01) >= 0 &&
                      c(kSelectedFmr01) <= c(kSelectedFmr1) && c(kSelectedFmr1) <= c(kSelected);
      if (!ok) return fmt::format("plan {} entry {}: its counts contradict each other", plans[p].spec.name(), e);
      const auto k = static_cast<std::size_t>(plans[p].complexity[static_cast<std::size_t>(e)]);
      by_k[2 * k] += c(kTriedType1);
      by_k[2 * k + 1] += c(kTriedType2);
    }
    for (std::size_t kt = 0; kt < by_k.size(); ++kt) {
      std::int64_t total = 0;
      for (int b = 0; b < kScoreBins; ++b) {
        const auto v = t.histograms[kt * kScoreBins + static_cast<std::size_t>(b)];
        if (v < 0) return fmt::format("plan {}: a negative histogram count", plans[p].spec.name());
        total += v;
      }
      if (total != by_k[kt])
        return fmt::format("plan {}: the type-{} scores of complexity {} hold {} samples, the counts {}",
                           plans[p].spec.name(), kt % 2 ? "II" : "I", kt / 2, total, by_k[kt]);
    }
  }
  return {};
}

/// The attack's layout, unchanged since before the schema attribute: a file without one is
/// read as version 1.
const CheckpointFormat kAttackCheckpoint{"attack", "irrev.attack-checkpoint/1", true, {}};

/// Per plan its counts (the plan's name hashed before them) and its histograms.
UnitCheckpoint as_checkpoint(const std::vector<attack::Plan>& plans, const AttackState& s) {
  UnitCheckpoint c{s.done, {}};
  for (std::size_t p = 0; p < plans.size(); ++p) {
    const auto& name = plans[p].spec.name();
    const auto& t = s.tallies[p];
    c.arrays.push_back({"plans/" + name + "/counts",
                        t.counts,
                        {static_cast<std::uint64_t>(plans[p].size()), static_cast<std::uint64_t>(attack::kOutcomes)},
                        name});
    c.arrays.push_back({"plans/" + name + "/histograms",
                        t.histograms,
                        {static_cast<std::uint64_t>(t.histograms.size() / attack::kScoreBins),
                         static_cast<std::uint64_t>(attack::kScoreBins)},
                        ""});
  }
  return c;
}

AttackState from_checkpoint(const std::vector<attack::Plan>& plans, const UnitCheckpoint& c) {
  AttackState s;
  s.done = c.done;
  for (std::size_t p = 0; p < plans.size(); ++p) {
    s.tallies.emplace_back(plans[p].spec.blocks, plans[p].size());
    s.tallies.back().counts = std::get<std::vector<std::int64_t>>(c.arrays[2 * p].values);
    s.tallies.back().histograms = std::get<std::vector<std::int64_t>>(c.arrays[2 * p + 1].values);
  }
  return s;
}

}  // namespace

void write_attack_checkpoint(const std::string& path, const std::string& key, const std::vector<attack::Plan>& plans,
                             const AttackState& s, const std::string& status, std::int64_t samples_total) {
  write_unit_checkpoint(path, kAttackCheckpoint, key, as_checkpoint(plans, s), status,
                        {{"samples_done", s.samples_done}, {"samples_total", samples_total}});
}

AttackState read_attack_checkpoint(const std::string& path, const std::string& key,
                                   const std::vector<attack::Plan>& plans, const std::vector<AttackUnit>& units) {
  AttackState empty;
  for (const auto& p : plans) empty.tallies.emplace_back(p.spec.blocks, p.size());
  empty.done.assign(units.size(), 0);
  const auto consistent = [&](const UnitCheckpoint& c) {
    return inconsistency(plans, units, from_checkpoint(plans, c));
  };
  auto s = from_checkpoint(plans, read_unit_checkpoint(path, kAttackCheckpoint, key, as_checkpoint(plans, empty),
                                                       static_cast<std::int64_t>(units.size()), consistent));
  for (std::size_t u = 0; u < units.size(); ++u)
    if (s.done[u]) s.samples_done += units[u].samples();
  return s;
}

json partial_tables(const h5::File& f) {
  const auto key = data::json_attribute(f, "key");
  std::vector<attack::Plan> plans;
  std::int64_t entries = 0;
  for (const auto& pj : key.at("plans")) {
    plans.push_back(attack::make_plan(pj.get<attack::PlanSpec>()));
    entries += plans.back().size();
  }
  // Every plan runs on every template: samples_total = entries x templates.
  const auto all = entries > 0
                       ? data::json_as<std::int64_t>(data::json_attribute(f, "progress").value("samples_total", json()),
                                                     fmt::format("'{}': its progress' samples_total", f.path())) /
                             entries
                       : 0;
  json out = json::array();
  for (const auto& plan : plans) {
    attack::PlanTally tally(plan.spec.blocks, plan.size());
    tally.counts = f.read<std::int64_t>("plans/" + plan.spec.name() + "/counts");
    std::int64_t finished = 0;
    for (std::int64_t e = 0; e < plan.size(); ++e) {
      if (all > 0 && tally.count(e, attack::kTriedType1) == all) {
        ++finished;
        continue;
      }
      for (int o = 0; o < attack::kOutcomes; ++o) tally.counts[static_cast<std::size_t>(e * attack::kOutcomes + o)] = 0;
    }
    out.push_back({{"plan", plan.spec.name()},
                   {"permutations_finished", finished},
                   {"permutations", plan.size()},
                   {"templates", all},
                   {"rsr", rsr_records(attack::rsr_by_complexity(plan, tally))}});
  }
  return out;
}

}  // namespace irrev::pipeline::detail
