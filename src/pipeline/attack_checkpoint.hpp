#pragma once
// Private to the attack stage: its work units and its checkpoint (attack.checkpoint.h5), the
// merged counts of the finished units under the attack's key.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "irrev/attack/attack_plan.hpp"
#include "irrev/attack/attack_tally.hpp"
#include "irrev/attack/rsr_summary.hpp"
#include "irrev/data/h5_file.hpp"

namespace irrev::pipeline::detail {

/// Plan entries [first, first + entries) of plan `plan` on the templates [t0, t1).
struct AttackUnit {
  int plan;
  std::int64_t first, entries, t0, t1;
  std::int64_t samples() const { return entries * (t1 - t0); }
};

/// The work units, in a fixed shuffled order: a job stopped part-way (a time limit, a signal)
/// has then finished a uniform sample of each plan's permutations and of the template shards,
/// so its partial table (irrev status) is unbiased and its samples/s steady. The final counts
/// do not depend on the order.
std::vector<AttackUnit> cut_units(const std::vector<attack::Plan>& plans, std::int64_t templates,
                                  std::int64_t per_entries, std::int64_t per_templates, std::uint64_t order_seed);

/// What the master has merged: a tally per plan and the finished units.
struct AttackState {
  std::vector<attack::PlanTally> tallies;
  std::vector<std::uint8_t> done;
  std::int64_t samples_done = 0;
};

/// Written aside, read back and verified, then renamed over the previous checkpoint: the last
/// good checkpoint stays until the new one is proven whole. Carries a SHA-256 of its key,
/// finished units, counts and histograms.
void write_attack_checkpoint(const std::string& path, const std::string& key, const std::vector<attack::Plan>& plans,
                             const AttackState& state, const std::string& status, std::int64_t samples_total);

/// The checkpoint's state after every check: its key is `key` (else an InputError naming what
/// differs), its checksum holds, and its counts are what its finished units imply (tried
/// counts, hits at most tries, histogram totals equal to the tries). Anything else is refused
/// as damaged, with what to do.
AttackState read_attack_checkpoint(const std::string& path, const std::string& key,
                                   const std::vector<attack::Plan>& plans, const std::vector<AttackUnit>& units);

/// The RSR table of a checkpoint's finished permutations (those tried on every template), per
/// plan: units run in a shuffled order, so these are a uniform sample of the plan's.
nlohmann::json partial_tables(const h5::File& checkpoint);

}  // namespace irrev::pipeline::detail
