#pragma once
/// Unlinkability (Gomez-Barrero et al., IEEE TIFS 2018): local measure D(s) and global D_sys
/// from mated scores (same subject, different permutations) and non-mated scores.
#include <vector>

namespace irrev::metrics {

struct Unlinkability {
  double d_sys = 0;
  std::vector<double> bin_centres;  ///< nbins centres over [min, max] of all scores
  std::vector<double> d_local;      ///< D(s) per bin
  std::vector<double> mated_density, non_mated_density;
};

/// 100 bins by default; omega = 1. LR = p_m / p_nm; D = 2 LR / (1 + LR) - 1 where LR > 1, else
/// 0 (1 where only mated scores fall); D_sys = trapezoid integral of D(s) p_m(s) over the
/// bin centres, as the authors' reference code integrates.
Unlinkability unlinkability(const std::vector<double>& mated, const std::vector<double>& non_mated, int bins = 100,
                            double omega = 1.0);

}  // namespace irrev::metrics
