#include "irrev/attack/attack_tally.hpp"

#include <algorithm>

#include "irrev/core/error.hpp"

namespace irrev::attack {

PlanTally::PlanTally(int n, std::int64_t entries)
    : blocks(n),
      counts(static_cast<std::size_t>(entries) * kOutcomes, 0),
      histograms(static_cast<std::size_t>(n + 1) * 2 * kScoreBins, 0) {}

void PlanTally::add(const UnitResult& u) {
  IRREV_ASSERT(u.first >= 0 && u.first + u.entries <= entries() &&
                   u.counts.size() == static_cast<std::size_t>(u.entries) * kOutcomes,
               "a unit result (entries {}+{}) does not fit a plan of {} entries", u.first, u.entries, entries());
  for (std::size_t i = 0; i < u.counts.size(); ++i)
    counts[static_cast<std::size_t>(u.first) * kOutcomes + i] += u.counts[i];
  IRREV_ASSERT(u.hist_keys.size() == u.hist_counts.size(), "a unit result's histogram is malformed");
  for (std::size_t i = 0; i < u.hist_keys.size(); ++i) {
    IRREV_ASSERT(u.hist_keys[i] < histograms.size(), "histogram key {} out of range", u.hist_keys[i]);
    histograms[u.hist_keys[i]] += u.hist_counts[i];
  }
}

}  // namespace irrev::attack
