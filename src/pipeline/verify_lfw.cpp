#include "irrev/pipeline/verify_lfw.hpp"

#include <nlohmann/json.hpp>

#include "irrev/core/error.hpp"

namespace irrev::pipeline {

double cosine_normalised(const float* a, const float* b, int dim) {
  double s = 0;  // accumulate in double: scores are compared to thresholds to 1e-9
  for (int j = 0; j < dim; ++j) s += static_cast<double>(a[j]) * static_cast<double>(b[j]);
  return s;
}

metrics::TenFoldAccuracy verify_lfw_view2(const data::TemplateSet& t) {
  IRREV_CHECK(!t.pairs.pairs.empty(), "the templates carry no pairs: run ingest with --pairs pairs.txt");
  std::vector<double> scores;
  std::vector<bool> genuine;
  std::vector<int> fold;
  for (const auto& p : t.pairs.pairs) {
    scores.push_back(cosine_normalised(t.row(p.a), t.row(p.b), t.dim));
    genuine.push_back(p.genuine);
    fold.push_back(p.fold);
  }
  return metrics::k_fold_accuracy(scores, genuine, fold, t.pairs.folds);
}

std::string lfw_accuracy_json(const metrics::TenFoldAccuracy& r) {
  nlohmann::json folds = nlohmann::json::array();
  std::int64_t pairs = 0;
  for (const auto& f : r.folds) {
    folds.push_back({{"fold", f.fold + 1}, {"accuracy", f.accuracy}, {"threshold", f.threshold}, {"pairs", f.pairs}});
    pairs += f.pairs;
  }
  return nlohmann::json{{"lfw_10fold_accuracy", r.mean}, {"std", r.std}, {"pairs", pairs}, {"folds", folds}}.dump();
}

}  // namespace irrev::pipeline
