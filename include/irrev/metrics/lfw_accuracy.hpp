#pragma once
/// The standard LFW View 2 protocol: for each fold, the threshold that maximises accuracy on
/// the other folds, applied to this fold. Scores are similarities (higher = same person).
#include <cstdint>
#include <vector>

namespace irrev::metrics {

struct FoldAccuracy {
  int fold = 0;
  double threshold = 0;  ///< chosen on the other folds; "same" iff score > threshold
  double accuracy = 0;   ///< on this fold
  std::int64_t pairs = 0;
};

struct TenFoldAccuracy {
  double mean = 0;
  double std = 0;  ///< population standard deviation over folds
  std::vector<FoldAccuracy> folds;
};

/// The threshold with the highest accuracy on the given pairs: the midpoint between two
/// neighbouring distinct scores (or just outside the range); the lowest of equally good ones.
double best_accuracy_threshold(const std::vector<double>& scores, const std::vector<bool>& genuine);

TenFoldAccuracy k_fold_accuracy(const std::vector<double>& scores, const std::vector<bool>& genuine,
                                const std::vector<int>& fold, int folds);

}  // namespace irrev::metrics
