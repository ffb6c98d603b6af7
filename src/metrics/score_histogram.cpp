#include "irrev/metrics/score_histogram.hpp"

#include "irrev/core/error.hpp"

namespace irrev::metrics {

ScoreHistogram::ScoreHistogram(double lo, double hi, int bins)
    : m_lo(lo), m_hi(hi), m_genuine(static_cast<std::size_t>(bins)), m_impostor(static_cast<std::size_t>(bins)) {
  IRREV_CHECK(hi > lo && bins > 0, "histogram range [{}, {}) with {} bins is not valid", lo, hi, bins);
}

void ScoreHistogram::merge(const ScoreHistogram& o) {
  IRREV_CHECK(o.m_lo == m_lo && o.m_hi == m_hi && o.bins() == bins(),
              "cannot merge histograms of different bins ([{}, {}) x {} and [{}, {}) x {})", m_lo, m_hi, bins(), o.m_lo,
              o.m_hi, o.bins());
  for (std::size_t k = 0; k < m_genuine.size(); ++k) {
    m_genuine[k] += o.m_genuine[k];
    m_impostor[k] += o.m_impostor[k];
  }
}

std::int64_t ScoreHistogram::genuine_count() const {
  std::uint64_t n = 0;
  for (auto c : m_genuine) n += c;
  return static_cast<std::int64_t>(n);
}

std::int64_t ScoreHistogram::impostor_count() const {
  std::uint64_t n = 0;
  for (auto c : m_impostor) n += c;
  return static_cast<std::int64_t>(n);
}

void ScoreHistogram::tails(std::vector<std::uint64_t>& imp_at_or_above, std::vector<std::uint64_t>& gen_below) const {
  const auto b = m_genuine.size();
  imp_at_or_above.assign(b + 1, 0);
  gen_below.assign(b + 1, 0);
  for (std::size_t k = b; k-- > 0;) imp_at_or_above[k] = imp_at_or_above[k + 1] + m_impostor[k];
  for (std::size_t k = 0; k < b; ++k) gen_below[k + 1] = gen_below[k] + m_genuine[k];
}

ScoreHistogram ScoreHistogram::from_counts(double lo, double hi, std::vector<std::uint64_t> genuine,
                                           std::vector<std::uint64_t> impostor) {
  IRREV_CHECK(!genuine.empty() && genuine.size() == impostor.size(), "score histograms of {} and {} bins",
              genuine.size(), impostor.size());
  ScoreHistogram h(lo, hi, static_cast<int>(genuine.size()));
  h.m_genuine = std::move(genuine);
  h.m_impostor = std::move(impostor);
  return h;
}

std::vector<DetPoint> ScoreHistogram::det() const {
  std::vector<std::uint64_t> imp, gen;
  tails(imp, gen);
  const auto ni = static_cast<double>(impostor_count()), ng = static_cast<double>(genuine_count());
  std::vector<DetPoint> out;
  out.reserve(m_genuine.size() + 1);
  for (std::size_t k = 0; k <= m_genuine.size(); ++k)
    out.push_back({edge(static_cast<int>(k)), static_cast<double>(imp[k]) / ni, static_cast<double>(gen[k]) / ng});
  return out;
}

double ScoreHistogram::fmr_at_edge(int k) const {
  std::uint64_t n = 0;
  for (std::size_t i = static_cast<std::size_t>(k); i < m_impostor.size(); ++i) n += m_impostor[i];
  return static_cast<double>(n) / static_cast<double>(impostor_count());
}

double ScoreHistogram::fnmr_at_edge(int k) const {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(k); ++i) n += m_genuine[i];
  return static_cast<double>(n) / static_cast<double>(genuine_count());
}

OperatingPoint ScoreHistogram::threshold_at_fmr(double target) const {
  IRREV_CHECK(impostor_count() > 0 && genuine_count() > 0, "the histogram has no genuine or no impostor scores");
  std::vector<std::uint64_t> imp, gen;
  tails(imp, gen);
  const auto ni = static_cast<double>(impostor_count()), ng = static_cast<double>(genuine_count());
  OperatingPoint op;
  op.target_fmr = target;
  op.impostors = impostor_count();
  for (std::size_t k = 0; k <= m_genuine.size(); ++k) {
    if (static_cast<double>(imp[k]) / ni <= target) {
      op.threshold = edge(static_cast<int>(k));
      op.false_matches = static_cast<std::int64_t>(imp[k]);
      op.fmr = static_cast<double>(imp[k]) / ni;
      op.fnmr = static_cast<double>(gen[k]) / ng;
      break;
    }
  }
  return op;
}

Eer ScoreHistogram::eer() const {
  IRREV_CHECK(impostor_count() > 0 && genuine_count() > 0, "the histogram has no genuine or no impostor scores");
  std::vector<std::uint64_t> imp, gen;
  tails(imp, gen);
  const auto ni = static_cast<double>(impostor_count()), ng = static_cast<double>(genuine_count());
  auto fmr = [&](std::size_t k) { return static_cast<double>(imp[k]) / ni; };
  auto fnmr = [&](std::size_t k) { return static_cast<double>(gen[k]) / ng; };
  std::size_t t2 = 0;
  while (t2 < imp.size() && fmr(t2) - fnmr(t2) > 0) ++t2;
  std::size_t t1 = t2 > 0 && fmr(t2) != fnmr(t2) ? t2 - 1 : t2;
  Eer e;
  std::size_t t = fmr(t1) + fnmr(t1) <= fmr(t2) + fnmr(t2) ? t1 : t2;
  e.low = std::min(fmr(t), fnmr(t));
  e.high = std::max(fmr(t), fnmr(t));
  e.eer = (e.low + e.high) / 2;
  e.threshold = edge(static_cast<int>(t));
  return e;
}

}  // namespace irrev::metrics
