#include "irrev/pipeline/attack_settings.hpp"

#include <algorithm>

#include "irrev/core/error.hpp"

namespace irrev::pipeline {

// Each message names the setting as a job file's [attack] table and `irrev attack` spell it.
void AttackSettings::key_draws() {
  for (auto& p : plans) p.seed = seed;
  selection.seed = seed;
}

void AttackSettings::validate(const std::string& where) const {
  IRREV_CHECK(!plans.empty(), "{}: the attack names no plan (plans / --plan)", where);
  IRREV_ASSERT(selection.seed == seed &&
                   std::all_of(plans.begin(), plans.end(), [&](const attack::PlanSpec& p) { return p.seed == seed; }),
               "{}: the plans or the selection do not carry the attack's seed (key_draws() was not called)", where);
  selection.validate(where);
  IRREV_CHECK(batch >= 1 && batch <= 65536,
              "{}: batch (--batch) {} must be in [1, 65536] (beyond that no device's memory)", where, batch);
  IRREV_CHECK(templates_per_unit > 0 && templates_per_unit % batch == 0,
              "{}: templates_per_unit (--templates-per-unit) {} must be a positive multiple of the batch ({}): batches "
              "never straddle units",
              where, templates_per_unit, batch);
  IRREV_CHECK(entries_per_unit > 0, "{}: permutations_per_unit (--permutations-per-unit) must be positive, got {}",
              where, entries_per_unit);
  IRREV_CHECK(targeted_max_complexity >= -1, "{}: targeted (--targeted) must be >= 0 (or -1: none), got {}", where,
              targeted_max_complexity);
  IRREV_CHECK(recheck_margin >= 0 && recheck_margin < 1,
              "{}: recheck_margin (--recheck-margin) must lie in [0, 1) (0: the precision's own), got {}", where,
              recheck_margin);
  IRREV_CHECK(joint_beam >= 1, "{}: joint_beam must be positive, got {}", where, joint_beam);
  IRREV_CHECK(synthesis_candidates >= 1 && synthesis_climb_starts >= 1 && synthesis_exchange_rounds >= 0 &&
                  synthesis_weight >= 0,
              "{}: synthesis_candidates and synthesis_climb_starts must be positive, synthesis_exchange_rounds and "
              "synthesis_weight not negative",
              where);
  IRREV_CHECK(checkpoint_seconds >= 0, "{}: checkpoint_seconds (--checkpoint-seconds) must be >= 0, got {}", where,
              checkpoint_seconds);
  IRREV_CHECK(unit_deadline_factor >= 0, "{}: unit_deadline_factor (--unit-deadline-factor) must be >= 0, got {}",
              where, unit_deadline_factor);
  IRREV_CHECK(grant_seconds >= 0, "{}: grant_seconds (--grant-seconds) must be >= 0, got {}", where, grant_seconds);
}

}  // namespace irrev::pipeline
