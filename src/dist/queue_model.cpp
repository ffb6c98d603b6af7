#include "irrev/dist/queue_model.hpp"

#include <algorithm>
#include <cmath>
#include <queue>
#include <random>
#include <vector>

#include "irrev/core/error.hpp"

namespace irrev::dist {

std::int64_t grant_units(double grant_seconds, double seconds_per_unit, std::int64_t last_grant,
                         std::int64_t not_handed, int workers) {
  if (grant_seconds <= 0 || seconds_per_unit <= 0 || last_grant == 0) return 1;
  double k = grant_seconds / seconds_per_unit;
  k = std::min(k, 4.0 * static_cast<double>(last_grant));
  k = std::min(k, static_cast<double>(not_handed) / (2.0 * std::max(1, workers)));
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(k));
}

double QueuePrediction::efficiency() const { return wall_seconds > 0 ? compute_seconds / (workers * wall_seconds) : 0; }

namespace {

/// A result on its way: when it reaches the master, from which worker, what serving it costs.
struct Arrival {
  double time;
  int worker;
  double service;
  bool operator>(const Arrival& o) const { return time != o.time ? time > o.time : worker > o.worker; }
};

}  // namespace

QueuePrediction simulate_queue(const QueueModel& m, std::uint64_t seed) {
  IRREV_CHECK(m.workers >= 1 && m.units >= 1 && m.unit_seconds > 0 && m.spread >= 0 && m.bandwidth_mbps > 0,
              "queue model: workers, units, unit seconds and bandwidth must be positive");
  std::mt19937_64 rng(seed);
  // Log-normal with mean unit_seconds; a sum of many units is drawn as a normal.
  std::lognormal_distribution<double> one(std::log(m.unit_seconds) - m.spread * m.spread / 2,
                                          m.spread > 0 ? m.spread : 1);
  const double variance = m.unit_seconds * m.unit_seconds * (std::exp(m.spread * m.spread) - 1);
  const int workers = static_cast<int>(std::min<std::int64_t>(m.workers, m.units));
  std::vector<std::int64_t> last(static_cast<std::size_t>(workers), 0);
  std::vector<double> per_unit(static_cast<std::size_t>(workers), 0);
  std::priority_queue<Arrival, std::vector<Arrival>, std::greater<>> arrivals;
  std::int64_t next = 0;
  QueuePrediction p;
  p.workers = m.workers;

  const auto grant_compute = [&](std::int64_t k) {
    double c = 0;
    if (m.spread == 0) {
      c = static_cast<double>(k) * m.unit_seconds;
    } else if (k <= 32) {
      for (std::int64_t i = 0; i < k; ++i) c += one(rng);
    } else {
      std::normal_distribution<double> sum(static_cast<double>(k) * m.unit_seconds,
                                           std::sqrt(static_cast<double>(k) * variance));
      c = std::max(0.0, sum(rng));
    }
    if (m.triangular)
      c *= 2 * (static_cast<double>(m.units - next) - static_cast<double>(k) / 2) / static_cast<double>(m.units);
    return c;
  };
  const auto start = [&](int w, double t) {
    const auto i = static_cast<std::size_t>(w);
    const std::int64_t k =
        std::min(grant_units(m.grant_seconds, per_unit[i], last[i], m.units - next, m.workers), m.units - next);
    const double c = grant_compute(k);
    last[i] = k;
    per_unit[i] = c / static_cast<double>(k);
    p.compute_seconds += c;
    next += k;
    const double size = m.bytes + m.bytes_per_unit * static_cast<double>(k - 1);
    const double service = (m.receive_us + m.receive_us_per_kb * size / 1e3 + m.sink_us +
                            m.sink_us_per_unit * static_cast<double>(k - 1)) *
                           1e-6;
    arrivals.push({t + c + m.handoff_us * 0.5e-6 + size / (m.bandwidth_mbps * 1e6), w, service});
  };

  for (int w = 0; w < workers; ++w) start(w, 0);
  double master_free = 0, last_checkpoint = 0;
  while (!arrivals.empty()) {
    const Arrival a = arrivals.top();
    arrivals.pop();
    ++p.results;
    double t = std::max(a.time, master_free) + a.service;
    if (m.checkpoint_seconds > 0 && t - last_checkpoint >= m.checkpoint_seconds) {
      t += m.checkpoint_ms * 1e-3;
      last_checkpoint = t;
    }
    master_free = t;
    if (next < m.units) start(a.worker, t + m.handoff_us * 0.5e-6);
  }
  p.wall_seconds = master_free;
  return p;
}

}  // namespace irrev::dist
