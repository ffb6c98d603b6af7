#pragma once
/// Soft-biometric leakage: how well an SVM predicts a binary label (gender) from templates, by
/// stratified k-fold cross-validation. The SVM is OpenCV's (cv::ml::SVM, libsvm's solver, as in
/// scikit-learn's SVC) with scikit-learn's default parameters: C = 1, gamma = "scale" =
/// 1 / (D * Var(X)) over the training fold's values, degree 3, coef0 0, tolerance 1e-3. Kernels
/// mean the same in both: poly (gamma <x, y> + coef0)^degree, rbf exp(-gamma |x - y|^2),
/// sigmoid tanh(gamma <x, y> + coef0).
#include <cstdint>
#include <vector>

#include "irrev/core/enum_names.hpp"

namespace irrev::metrics {

enum class SvmKernel { poly, rbf, sigmoid };

/// scikit-learn's gamma = "scale": 1 / (D * variance of all values of X), X n x d row-major.
double gamma_scale(const float* x, std::int64_t n, int d);

/// Fold of each sample (0..k-1): within each class, samples in a keyed order take folds in turn,
/// so every fold holds both classes in the overall proportion.
std::vector<int> stratified_folds(const std::vector<int>& labels, int k, std::uint64_t seed);

/// Train on the samples outside fold `fold`, test on those inside; returns the test accuracy.
/// Labels are 0 or 1.
double svm_fold_accuracy(const float* x, std::int64_t n, int d, const std::vector<int>& labels,
                         const std::vector<int>& folds, int fold, SvmKernel kernel);

}  // namespace irrev::metrics

template <>
struct irrev::EnumNames<irrev::metrics::SvmKernel> {
  static constexpr std::string_view what = "SVM kernel";
  static constexpr std::array<std::string_view, 3> names{"poly", "rbf", "sigmoid"};
};
