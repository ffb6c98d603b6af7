#include "irrev/metrics/error_rates.hpp"

#include <algorithm>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>

#include "irrev/core/error.hpp"

namespace irrev::metrics {

ScoreSets::ScoreSets(std::vector<double> genuine, std::vector<double> impostor)
    : m_genuine(std::move(genuine)), m_impostor(std::move(impostor)) {
  IRREV_CHECK(!m_genuine.empty() && !m_impostor.empty(), "error rates need genuine and impostor scores (got {} and {})",
              m_genuine.size(), m_impostor.size());
  for (double v : m_genuine) IRREV_CHECK(std::isfinite(v), "a genuine score is not finite");
  for (double v : m_impostor) IRREV_CHECK(std::isfinite(v), "an impostor score is not finite");
  std::sort(m_genuine.begin(), m_genuine.end());
  std::sort(m_impostor.begin(), m_impostor.end());
}

std::int64_t ScoreSets::false_matches(double t) const {
  return m_impostor.end() - std::lower_bound(m_impostor.begin(), m_impostor.end(), t);
}

std::int64_t ScoreSets::false_non_matches(double t) const {
  return std::lower_bound(m_genuine.begin(), m_genuine.end(), t) - m_genuine.begin();
}

double ScoreSets::fmr(double t) const {
  return static_cast<double>(false_matches(t)) / static_cast<double>(m_impostor.size());
}

double ScoreSets::fnmr(double t) const {
  return static_cast<double>(false_non_matches(t)) / static_cast<double>(m_genuine.size());
}

std::vector<double> ScoreSets::thresholds() const {
  std::vector<double> t;
  t.reserve(m_genuine.size() + m_impostor.size() + 1);
  std::merge(m_genuine.begin(), m_genuine.end(), m_impostor.begin(), m_impostor.end(), std::back_inserter(t));
  t.erase(std::unique(t.begin(), t.end()), t.end());
  t.push_back(std::nextafter(t.back(), std::numeric_limits<double>::infinity()));
  return t;
}

OperatingPoint threshold_at_fmr(const ScoreSets& s, double target, ThresholdRule rule) {
  IRREV_CHECK(target >= 0 && target <= 1, "target FMR {} is outside [0, 1]", target);
  OperatingPoint op;
  op.target_fmr = target;
  op.impostors = static_cast<std::int64_t>(s.impostor().size());
  if (rule == ThresholdRule::bob_lowest) {
    // FMR only changes at impostor values; the lowest of those (or the value above the
    // highest impostor) that meets the target.
    const auto& imp = s.impostor();
    const auto n = static_cast<double>(imp.size());
    op.threshold = std::nextafter(imp.back(), std::numeric_limits<double>::infinity());
    for (std::size_t i = 0; i < imp.size(); ++i) {
      if (i > 0 && imp[i] == imp[i - 1]) continue;
      if (static_cast<double>(imp.size() - i) / n <= target) {
        op.threshold = imp[i];
        break;
      }
    }
  } else {
    double best = std::numeric_limits<double>::infinity();
    for (double t : s.thresholds()) {
      double d = std::abs(s.fmr(t) - target);
      if (d < best) {
        best = d;
        op.threshold = t;
      }
    }
  }
  op.false_matches = s.false_matches(op.threshold);
  op.fmr = s.fmr(op.threshold);
  op.fnmr = s.fnmr(op.threshold);
  return op;
}

Eer eer_fvc2000(const ScoreSets& s) {
  auto ts = s.thresholds();
  std::size_t t2 = 0;
  while (t2 < ts.size() && s.fmr(ts[t2]) - s.fnmr(ts[t2]) > 0) ++t2;
  IRREV_ASSERT(t2 < ts.size(), "FMR - FNMR never reaches 0 (the last threshold has FMR 0)");
  std::size_t t1 = t2 > 0 && s.fmr(ts[t2]) != s.fnmr(ts[t2]) ? t2 - 1 : t2;
  Eer e;
  double fmr1 = s.fmr(ts[t1]), fnmr1 = s.fnmr(ts[t1]);
  double fmr2 = s.fmr(ts[t2]), fnmr2 = s.fnmr(ts[t2]);
  if (fmr1 + fnmr1 <= fmr2 + fnmr2) {
    e.low = std::min(fmr1, fnmr1);
    e.high = std::max(fmr1, fnmr1);
    e.threshold = ts[t1];
  } else {
    e.low = std::min(fmr2, fnmr2);
    e.high = std::max(fmr2, fnmr2);
    e.threshold = ts[t2];
  }
  e.eer = (e.low + e.high) / 2;
  return e;
}

double auc(const ScoreSets& s) {
  const auto& g = s.genuine();
  const auto& imp = s.impostor();
  double wins = 0;
  std::size_t below = 0, upto = 0;  // impostors < g, impostors <= g
  for (double v : g) {
    while (below < imp.size() && imp[below] < v) ++below;
    while (upto < imp.size() && imp[upto] <= v) ++upto;
    wins += static_cast<double>(below) + 0.5 * static_cast<double>(upto - below);
  }
  return wins / (static_cast<double>(g.size()) * static_cast<double>(imp.size()));
}

double dprime(const ScoreSets& s) {
  auto moments = [](const std::vector<double>& v) {
    double m = 0, q = 0;
    for (double x : v) m += x;
    m /= static_cast<double>(v.size());
    for (double x : v) q += (x - m) * (x - m);
    return std::pair<double, double>{m, q / static_cast<double>(v.size())};
  };
  auto [mg, vg] = moments(s.genuine());
  auto [mi, vi] = moments(s.impostor());
  return std::abs(mg - mi) / std::sqrt((vg + vi) / 2);
}

double normal_quantile(double p) {
  IRREV_CHECK(p > 0 && p < 1, "a normal quantile needs p in (0, 1), got {}", p);
  return boost::math::quantile(boost::math::normal_distribution<double>(), p);
}

double probit(double p) { return normal_quantile(std::clamp(p, 1e-12, 1 - 1e-12)); }

std::vector<DetPoint> det_curve(const ScoreSets& s, int points) {
  auto ts = s.thresholds();
  std::vector<DetPoint> out;
  const std::size_t step = std::max<std::size_t>(1, ts.size() / static_cast<std::size_t>(std::max(points, 1)));
  for (std::size_t i = 0; i < ts.size(); i += step) out.push_back({ts[i], s.fmr(ts[i]), s.fnmr(ts[i])});
  if (out.back().threshold != ts.back()) out.push_back({ts.back(), s.fmr(ts.back()), s.fnmr(ts.back())});
  return out;
}

Interval wilson(std::int64_t k, std::int64_t n, double confidence) {
  IRREV_CHECK(n > 0 && k >= 0 && k <= n, "a rate {} / {} is not valid", k, n);
  const double z = normal_quantile(1 - (1 - confidence) / 2);
  const double p = static_cast<double>(k) / static_cast<double>(n), nn = static_cast<double>(n);
  const double centre = (p + z * z / (2 * nn)) / (1 + z * z / nn);
  const double half = z / (1 + z * z / nn) * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

Interval clopper_pearson(std::int64_t k, std::int64_t n, double confidence) {
  IRREV_CHECK(n > 0 && k >= 0 && k <= n, "a rate {} / {} is not valid", k, n);
  const double a = 1 - confidence;
  const auto kk = static_cast<double>(k), nn = static_cast<double>(n);
  Interval r;
  r.low = k == 0 ? 0.0 : boost::math::quantile(boost::math::beta_distribution<double>(kk, nn - kk + 1), a / 2);
  r.high = k == n ? 1.0 : boost::math::quantile(boost::math::beta_distribution<double>(kk + 1, nn - kk), 1 - a / 2);
  return r;
}

}  // namespace irrev::metrics
