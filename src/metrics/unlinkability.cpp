#include "irrev/metrics/unlinkability.hpp"

#include <algorithm>

#include "irrev/core/error.hpp"

namespace irrev::metrics {

Unlinkability unlinkability(const std::vector<double>& mated, const std::vector<double>& non_mated, int bins,
                            double omega) {
  IRREV_CHECK(!mated.empty() && !non_mated.empty() && bins > 1,
              "unlinkability needs mated and non-mated scores and at least 2 bins");
  auto [mn1, mx1] = std::minmax_element(mated.begin(), mated.end());
  auto [mn2, mx2] = std::minmax_element(non_mated.begin(), non_mated.end());
  const double lo = std::min(*mn1, *mn2), hi = std::max(*mx1, *mx2);
  const double w = hi > lo ? (hi - lo) / bins : 1.0;
  auto density = [&](const std::vector<double>& v) {
    std::vector<double> h(static_cast<std::size_t>(bins), 0.0);
    for (double s : v) {
      auto k = static_cast<std::size_t>(std::clamp((s - lo) / w, 0.0, bins - 1.0));
      h[k] += 1.0;
    }
    for (double& x : h) x /= static_cast<double>(v.size()) * w;  // a density: integrates to 1
    return h;
  };
  Unlinkability u;
  u.mated_density = density(mated);
  u.non_mated_density = density(non_mated);
  for (int k = 0; k < bins; ++k) {
    u.bin_centres.push_back(lo + (k + 0.5) * w);
    double pm = u.mated_density[static_cast<std::size_t>(k)];
    double pnm = u.non_mated_density[static_cast<std::size_t>(k)];
    double d = 0;
    if (pnm == 0) {
      d = pm > 0 ? 1.0 : 0.0;
    } else {
      double lr = omega * pm / pnm;
      d = lr > 1 ? 2 * lr / (1 + lr) - 1 : 0.0;
    }
    u.d_local.push_back(d);
  }
  for (int k = 1; k < bins; ++k) {
    auto i = static_cast<std::size_t>(k);
    double f0 = u.d_local[i - 1] * u.mated_density[i - 1], f1 = u.d_local[i] * u.mated_density[i];
    u.d_sys += 0.5 * (f0 + f1) * (u.bin_centres[i] - u.bin_centres[i - 1]);
  }
  return u;
}

}  // namespace irrev::metrics
