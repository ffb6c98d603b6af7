#pragma once
/// Fixed-bin genuine/impostor score histograms: streaming, mergeable and serialisable, for
/// billions of scores in bounded memory. Bin k covers [lo + k w, lo + (k + 1) w), w = (hi - lo)
/// / bins; scores outside [lo, hi) are counted in the first or last bin. Error rates are
/// evaluated at bin edges, so a threshold from here is within one bin width of the exact one.
#include <cstdint>
#include <vector>

#include "irrev/metrics/error_rates.hpp"

namespace irrev::metrics {

class ScoreHistogram {
 public:
  ScoreHistogram() = default;
  ScoreHistogram(double lo, double hi, int bins);
  /// A histogram of counts read back (from verify.h5, say): as many bins as counts, over [lo, hi).
  static ScoreHistogram from_counts(double lo, double hi, std::vector<std::uint64_t> genuine,
                                    std::vector<std::uint64_t> impostor);

  void add_genuine(double score) { ++m_genuine[bin_of(score)]; }
  void add_impostor(double score) { ++m_impostor[bin_of(score)]; }
  /// Add another histogram of the same bins (an InputError otherwise).
  void merge(const ScoreHistogram& other);

  double lo() const { return m_lo; }
  double hi() const { return m_hi; }
  int bins() const { return static_cast<int>(m_genuine.size()); }
  double width() const { return (m_hi - m_lo) / bins(); }
  double edge(int k) const { return m_lo + k * width(); }
  std::int64_t genuine_count() const;
  std::int64_t impostor_count() const;
  const std::vector<std::uint64_t>& genuine() const { return m_genuine; }
  const std::vector<std::uint64_t>& impostor() const { return m_impostor; }

  /// FMR and FNMR at the lower edge of bin k (k = bins(): above everything).
  double fmr_at_edge(int k) const;
  double fnmr_at_edge(int k) const;
  /// The lowest edge whose FMR <= target (bob's rule on the edges).
  OperatingPoint threshold_at_fmr(double target) const;
  /// FVC2000 EER over the edges.
  Eer eer() const;
  /// The DET curve: FMR and FNMR at every bin edge, from the lowest up.
  std::vector<DetPoint> det() const;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& m_lo& m_hi& m_genuine& m_impostor;
  }

 private:
  std::size_t bin_of(double s) const {
    double x = (s - m_lo) / (m_hi - m_lo) * static_cast<double>(m_genuine.size());
    if (!(x >= 0)) return 0;  // also NaN
    auto k = static_cast<std::size_t>(x);
    return k < m_genuine.size() ? k : m_genuine.size() - 1;
  }
  void tails(std::vector<std::uint64_t>& imp_at_or_above, std::vector<std::uint64_t>& gen_below) const;

  double m_lo = -1, m_hi = 1;
  std::vector<std::uint64_t> m_genuine, m_impostor;
};

}  // namespace irrev::metrics
