#pragma once
/// Exact biometric error rates from similarity scores (higher = more alike), with the
/// conventions of ISO/IEC 19795-1, bob.measure and pyeer:
///   FMR(t)  = #{impostor >= t} / N_impostor,   FNMR(t) = #{genuine < t} / N_genuine.
/// Candidate thresholds are the distinct score values and one value above the highest.
#include <cstdint>
#include <vector>

namespace irrev::metrics {

/// Genuine and impostor scores, each sorted ascending.
class ScoreSets {
 public:
  ScoreSets(std::vector<double> genuine, std::vector<double> impostor);
  const std::vector<double>& genuine() const { return m_genuine; }
  const std::vector<double>& impostor() const { return m_impostor; }
  std::int64_t false_matches(double t) const;      ///< #{impostor >= t}
  std::int64_t false_non_matches(double t) const;  ///< #{genuine < t}
  double fmr(double t) const;
  double fnmr(double t) const;
  /// Distinct values of both sets, ascending, then one value above the highest.
  std::vector<double> thresholds() const;

 private:
  std::vector<double> m_genuine;
  std::vector<double> m_impostor;
};

enum class ThresholdRule {
  bob_lowest,     ///< the lowest threshold whose FMR <= target (bob.measure's far_threshold)
  pyeer_nearest,  ///< the threshold whose FMR is nearest the target (pyeer's operating points)
};

struct OperatingPoint {
  double target_fmr = 0;
  double threshold = 0;
  double fmr = 0;
  double fnmr = 0;
  std::int64_t false_matches = 0;
  std::int64_t impostors = 0;  ///< scores behind the threshold
};

OperatingPoint threshold_at_fmr(const ScoreSets& s, double target, ThresholdRule rule = ThresholdRule::bob_lowest);

/// EER by the FVC2000 rule (as pyeer): t2 is the first threshold with FMR - FNMR <= 0, t1 the
/// one before; of the two, the one with the lower FMR + FNMR gives [EER_low, EER_high] and
/// EER = (EER_low + EER_high) / 2.
struct Eer {
  double eer = 0, low = 0, high = 0, threshold = 0;
};
Eer eer_fvc2000(const ScoreSets& s);

/// Area under the ROC: P(genuine > impostor) + P(genuine == impostor) / 2.
double auc(const ScoreSets& s);
/// d' = |mean_g - mean_i| / sqrt((var_g + var_i) / 2), population variances.
double dprime(const ScoreSets& s);

/// The standard normal quantile of p in (0, 1) (1.959964... at 0.975): the one normal quantile
/// of the engine (intervals, probit axes).
double normal_quantile(double p);
/// Normal deviate (probit) of p, clamped to [1e-12, 1 - 1e-12]: DET axes.
double probit(double p);

struct DetPoint {
  double threshold, fmr, fnmr;
};
/// At most `points` points of the DET curve, thresholds spread evenly over the candidates.
std::vector<DetPoint> det_curve(const ScoreSets& s, int points);

struct Interval {
  double low = 0, high = 0;
};
/// Two-sided confidence intervals of a rate k / n.
Interval wilson(std::int64_t k, std::int64_t n, double confidence = 0.95);
Interval clopper_pearson(std::int64_t k, std::int64_t n, double confidence = 0.95);

}  // namespace irrev::metrics
