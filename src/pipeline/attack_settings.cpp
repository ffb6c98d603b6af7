#include "irrev/pipeline/attack_settings.hpp"

#include <algorithm>

#include "irrev/attack/attack_pipeline.hpp"
#include "irrev/core/error.hpp"

namespace irrev::pipeline {

namespace {
bool one_of(const std::string& v, const std::vector<std::string>& names) {
  return std::find(names.begin(), names.end(), v) != names.end();
}
}  // namespace

// Each message names the setting as a job file's [attack] table and `irrev attack` spell it.
void AttackSettings::validate(const std::string& where) const {
  IRREV_CHECK(!plans.empty(), "{}: the attack names no plan (plans / --plan)", where);
  IRREV_CHECK(batch >= 1 && batch <= 65536, "{}: batch (--batch) {} must be in [1, 65536] (beyond that no device's memory)",
              where, batch);
  IRREV_CHECK(templates_per_unit > 0 && templates_per_unit % batch == 0,
              "{}: templates_per_unit (--templates-per-unit) {} must be a positive multiple of the batch ({}): batches "
              "never straddle units",
              where, templates_per_unit, batch);
  IRREV_CHECK(entries_per_unit > 0, "{}: permutations_per_unit (--permutations-per-unit) must be positive, got {}", where,
              entries_per_unit);
  IRREV_CHECK(one_of(precision, attack::precision_names()), "{}: unknown precision '{}'", where, precision);
  IRREV_CHECK(one_of(upsampling, attack::upsampling_names()), "{}: unknown upsampling '{}'", where, upsampling);
  IRREV_CHECK(one_of(layout, attack::layout_names()), "{}: unknown layout '{}'", where, layout);
  IRREV_CHECK(unshuffle_model == "diagonal" || unshuffle_model == "full",
              "{}: unshuffle_model (--unshuffle-model) must be diagonal or full, got '{}'", where, unshuffle_model);
  IRREV_CHECK(targeted_max_complexity >= -1, "{}: targeted (--targeted) must be >= 0 (or -1: none), got {}", where,
              targeted_max_complexity);
  IRREV_CHECK(checkpoint_seconds >= 0, "{}: checkpoint_seconds (--checkpoint-seconds) must be >= 0, got {}", where,
              checkpoint_seconds);
  IRREV_CHECK(unit_deadline_factor >= 0, "{}: unit_deadline_factor (--unit-deadline-factor) must be >= 0, got {}", where,
              unit_deadline_factor);
}

}  // namespace irrev::pipeline
