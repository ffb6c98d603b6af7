#include "irrev/metrics/lfw_accuracy.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "irrev/core/error.hpp"

namespace irrev::metrics {

double best_accuracy_threshold(const std::vector<double>& scores, const std::vector<bool>& genuine) {
  IRREV_CHECK(!scores.empty() && scores.size() == genuine.size(),
              "accuracy threshold needs as many labels as scores (got {} and {})", scores.size(), genuine.size());
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return scores[a] < scores[b]; });
  // Threshold below everything: all pairs called "same"; correct = number of genuine pairs.
  std::int64_t correct = std::count(genuine.begin(), genuine.end(), true);
  std::int64_t best = correct;
  double best_t = scores[order[0]] - 1.0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    // Moving the threshold above score k calls pair k "different".
    correct += genuine[order[k]] ? -1 : 1;
    bool last_of_value = k + 1 == order.size() || scores[order[k + 1]] > scores[order[k]];
    if (!last_of_value) continue;
    if (correct > best) {
      best = correct;
      best_t = k + 1 == order.size() ? scores[order[k]] + 1.0 : 0.5 * (scores[order[k]] + scores[order[k + 1]]);
    }
  }
  return best_t;
}

TenFoldAccuracy k_fold_accuracy(const std::vector<double>& scores, const std::vector<bool>& genuine,
                                const std::vector<int>& fold, int folds) {
  IRREV_CHECK(scores.size() == genuine.size() && scores.size() == fold.size(),
              "k-fold accuracy needs one label and fold per score");
  IRREV_CHECK(folds >= 2,
              "k-fold accuracy needs at least 2 folds (the threshold comes from the "
              "other folds), got {}",
              folds);
  TenFoldAccuracy out;
  for (int f = 0; f < folds; ++f) {
    std::vector<double> train_s;
    std::vector<bool> train_g;
    for (std::size_t i = 0; i < scores.size(); ++i) {
      if (fold[i] == f) continue;
      train_s.push_back(scores[i]);
      train_g.push_back(genuine[i]);
    }
    FoldAccuracy fa;
    fa.fold = f;
    fa.threshold = best_accuracy_threshold(train_s, train_g);
    std::int64_t right = 0;
    for (std::size_t i = 0; i < scores.size(); ++i) {
      if (fold[i] != f) continue;
      ++fa.pairs;
      right += (scores[i] > fa.threshold) == genuine[i];
    }
    IRREV_CHECK(fa.pairs > 0, "fold {} has no pairs", f);
    fa.accuracy = static_cast<double>(right) / static_cast<double>(fa.pairs);
    out.folds.push_back(fa);
  }
  for (const auto& f : out.folds) out.mean += f.accuracy / folds;
  for (const auto& f : out.folds) out.std += (f.accuracy - out.mean) * (f.accuracy - out.mean) / folds;
  out.std = std::sqrt(out.std);
  return out;
}

}  // namespace irrev::metrics
