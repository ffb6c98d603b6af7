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

void PlanTally::add(const PlanDelta& d) {
  IRREV_ASSERT(d.counts.size() == d.entries.size() * kOutcomes && d.hist_keys.size() == d.hist_counts.size(),
               "a merged result of plan {} is malformed", d.plan);
  constexpr auto kN = static_cast<std::size_t>(kOutcomes);
  for (std::size_t i = 0; i < d.entries.size(); ++i) {
    IRREV_ASSERT(d.entries[i] >= 0 && d.entries[i] < entries(), "a merged result's entry {} is outside a plan of {}",
                 d.entries[i], entries());
    for (std::size_t o = 0; o < kN; ++o)
      counts[static_cast<std::size_t>(d.entries[i]) * kN + o] += d.counts[i * kN + o];
  }
  for (std::size_t i = 0; i < d.hist_keys.size(); ++i) {
    IRREV_ASSERT(d.hist_keys[i] < histograms.size(), "histogram key {} out of range", d.hist_keys[i]);
    histograms[d.hist_keys[i]] += d.hist_counts[i];
  }
}

namespace {

/// `into` += the sparse histogram (`keys`, `counts`), both with ascending keys: so are the result's.
void add_sparse(PlanDelta& into, const std::vector<std::uint32_t>& keys, const std::vector<std::uint32_t>& counts) {
  std::vector<std::uint32_t> k, c;
  k.reserve(into.hist_keys.size() + keys.size());
  c.reserve(k.capacity());
  std::size_t i = 0, j = 0;
  while (i < into.hist_keys.size() || j < keys.size()) {
    const bool mine = j == keys.size() || (i < into.hist_keys.size() && into.hist_keys[i] <= keys[j]);
    const bool theirs = i == into.hist_keys.size() || (j < keys.size() && keys[j] <= into.hist_keys[i]);
    k.push_back(mine ? into.hist_keys[i] : keys[j]);
    c.push_back((mine ? into.hist_counts[i++] : 0) + (theirs ? counts[j++] : 0));
  }
  into.hist_keys = std::move(k);
  into.hist_counts = std::move(c);
}

}  // namespace

void MergedUnits::add(const UnitResult& unit) {
  IRREV_ASSERT(unit.hist_keys.size() == unit.hist_counts.size() &&
                   std::is_sorted(unit.hist_keys.begin(), unit.hist_keys.end()) &&
                   unit.counts.size() == static_cast<std::size_t>(unit.entries) * kOutcomes,
               "a unit result (plan {}, entries {}+{}) is malformed", unit.plan, unit.first, unit.entries);
  recheck.add(unit.recheck);
  auto d = std::find_if(plans.begin(), plans.end(), [&](const PlanDelta& p) { return p.plan == unit.plan; });
  if (d == plans.end()) {
    plans.emplace_back();
    d = plans.end() - 1;
    d->plan = unit.plan;
  }
  for (std::int64_t e = 0; e < unit.entries; ++e) d->entries.push_back(unit.first + e);
  d->counts.insert(d->counts.end(), unit.counts.begin(), unit.counts.end());
  add_sparse(*d, unit.hist_keys, unit.hist_counts);
}

}  // namespace irrev::attack
