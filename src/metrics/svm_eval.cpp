#include "irrev/metrics/svm_eval.hpp"

#include <algorithm>
#ifdef IRREV_WITH_OPENCV
#include <opencv2/ml.hpp>
#endif

#include "irrev/core/error.hpp"
#include "irrev/protect/keyed_stream.hpp"

namespace irrev::metrics {

double gamma_scale(const float* x, std::int64_t n, int d) {
  const auto count = static_cast<double>(n) * d;
  double sum = 0, sq = 0;
  for (std::int64_t i = 0; i < n * d; ++i) {
    sum += x[i];
    sq += static_cast<double>(x[i]) * x[i];
  }
  const double mean = sum / count, var = sq / count - mean * mean;
  IRREV_CHECK(var > 0, "gamma = 1 / (D Var(X)) is undefined: the training values have no variance");
  return 1.0 / (d * var);
}

std::vector<int> stratified_folds(const std::vector<int>& labels, int k, std::uint64_t seed) {
  IRREV_CHECK(k >= 2, "cross-validation needs at least 2 folds, got {}", k);
  std::vector<int> folds(labels.size(), -1);
  for (int cls : {0, 1}) {
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < labels.size(); ++i)
      if (labels[i] == cls) idx.push_back(i);
    IRREV_CHECK(idx.size() >= static_cast<std::size_t>(k), "class {} has {} samples, fewer than the {} folds", cls,
                idx.size(), k);
    // A keyed Fisher-Yates order, then folds in turn.
    protect::KeyedStream s(seed, 0xF01D0000ull + static_cast<std::uint64_t>(cls), 0);
    protect::keyed_shuffle(idx, s);
    for (std::size_t j = 0; j < idx.size(); ++j) folds[idx[j]] = static_cast<int>(j % static_cast<std::size_t>(k));
  }
  for (std::size_t i = 0; i < labels.size(); ++i)
    IRREV_CHECK(folds[i] >= 0, "label {} of sample {} is neither 0 nor 1", labels[i], i);
  return folds;
}

#ifdef IRREV_WITH_OPENCV
double svm_fold_accuracy(const float* x, std::int64_t n, int d, const std::vector<int>& labels,
                         const std::vector<int>& folds, int fold, SvmKernel kernel) {
  cv::Mat all(static_cast<int>(n), d, CV_32F, const_cast<float*>(x));
  std::vector<int> train, test;
  for (std::int64_t i = 0; i < n; ++i)
    (folds[static_cast<std::size_t>(i)] == fold ? test : train).push_back(static_cast<int>(i));
  IRREV_CHECK(!train.empty() && !test.empty(), "fold {} leaves no training or no test samples", fold);
  cv::Mat xt(static_cast<int>(train.size()), d, CV_32F), yt(static_cast<int>(train.size()), 1, CV_32S);
  for (std::size_t r = 0; r < train.size(); ++r) {
    all.row(train[r]).copyTo(xt.row(static_cast<int>(r)));
    yt.at<int>(static_cast<int>(r)) = labels[static_cast<std::size_t>(train[r])];
  }
  auto svm = cv::ml::SVM::create();
  svm->setType(cv::ml::SVM::C_SVC);
  svm->setKernel(kernel == SvmKernel::poly  ? cv::ml::SVM::POLY
                 : kernel == SvmKernel::rbf ? cv::ml::SVM::RBF
                                            : cv::ml::SVM::SIGMOID);
  svm->setC(1.0);
  svm->setGamma(gamma_scale(xt.ptr<float>(), xt.rows, d));
  svm->setDegree(3);
  svm->setCoef0(0);
  svm->setTermCriteria(cv::TermCriteria(cv::TermCriteria::EPS, 0, 1e-3));  // scikit-learn: tol 1e-3, no iteration cap
  svm->train(xt, cv::ml::ROW_SAMPLE, yt);
  std::int64_t right = 0;
  for (int r : test) {
    const float p = svm->predict(all.row(r));
    right += static_cast<int>(p) == labels[static_cast<std::size_t>(r)];
  }
  return static_cast<double>(right) / static_cast<double>(test.size());
}
#else
double svm_fold_accuracy(const float* x, std::int64_t n, int d, const std::vector<int>& labels,
                         const std::vector<int>& folds, int fold, SvmKernel kernel) {
  IRREV_FAIL("the gender SVM needs OpenCV's ml module: this build has none (configure with IRREV_WITH_OPENCV=ON)");
}
#endif

}  // namespace irrev::metrics
