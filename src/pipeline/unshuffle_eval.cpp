#include "irrev/pipeline/unshuffle_eval.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "irrev/attack/unshuffle.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/data/identity_split.hpp"
#include "irrev/data/template_set.hpp"

namespace irrev::pipeline {

std::string run_unshuffle_eval(const UnshuffleEvalOptions& o) {
  const auto set = data::read_template_set(o.templates);
  IRREV_CHECK(o.eval_share > 0 && o.eval_share < 1, "--eval-share must be in (0, 1), got {}", o.eval_share);
  const auto train = attack::training_templates(set, o.split_seed, o.eval_share);
  std::vector<float> eval;  // the first template of each evaluation subject
  std::set<std::string> eval_subjects;
  for (std::int64_t i = 0; i < set.count; ++i) {
    const auto& subject = set.images.subjects[static_cast<std::size_t>(i)];
    if (data::is_evaluation_subject(subject, o.split_seed, o.eval_share) && eval_subjects.insert(subject).second &&
        (o.max_templates <= 0 || static_cast<std::int64_t>(eval_subjects.size()) <= o.max_templates))
      eval.insert(eval.end(), set.row(i), set.row(i) + set.dim);
  }
  const std::int64_t n_train = static_cast<std::int64_t>(train.size()) / set.dim;
  const std::int64_t n_eval = static_cast<std::int64_t>(eval.size()) / set.dim;
  IRREV_CHECK(n_train >= 2 && n_eval >= 1,
              "'{}': {} training and {} evaluation templates under split seed {} "
              "(share {}); the model needs both",
              o.templates, n_train, n_eval, o.split_seed, o.eval_share);
  nlohmann::ordered_json results = nlohmann::json::array();
  for (int blocks : o.blocks) {
    IRREV_CHECK(blocks >= 2 && set.dim % blocks == 0, "--blocks {}: {}-D templates cannot be cut into {} blocks",
                blocks, set.dim, blocks);
    const auto model = attack::BlockPositionModel::fit(train.data(), n_train, set.dim, blocks, o.full_covariance);
    const auto m = attack::evaluate_unshuffle(model, eval.data(), n_eval, o.uniform, o.per_complexity, o.seed);
    spdlog::info(
        "unshuffle: {} blocks: position accuracy {:.4f} (chance {:.4f}{}), exact {:.4f}, {:.2f} blocks "
        "still displaced",
        blocks, m.position_accuracy, m.chance, m.chance_level ? ", at chance" : "", m.exact_rate,
        m.mean_displaced_after);
    results.push_back(nlohmann::ordered_json::parse(m.to_json()));
  }
  std::string extractor = "?";
  if (!set.extractor_json.empty()) extractor = nlohmann::json::parse(set.extractor_json).value("name", "?");
  return nlohmann::ordered_json{
      {"templates", o.templates},
      {"extractor", extractor},
      {"dim", set.dim},
      {"split_seed", o.split_seed},
      {"eval_share", o.eval_share},
      {"model", o.full_covariance ? "gaussian, full covariance per position" : "gaussian, diagonal"},
      {"training_templates", n_train},
      {"evaluation_templates", n_eval},
      {"results", results}}
      .dump(2);
}

}  // namespace irrev::pipeline
