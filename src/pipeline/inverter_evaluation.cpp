#include "inverter_evaluation.hpp"

#include "../models/extractor_impl.hpp"
#include "irrev/attack/template_selection.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/progress.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/models/extractor_info.hpp"

namespace irrev::pipeline::detail {

std::vector<double> reembedded_cosines(models::Generator& generator, const models::Extractor& extractor,
                                       const torch::Tensor& z, const torch::Tensor& refs, const torch::Device& device,
                                       const std::string& label, bool progress) {
  constexpr std::int64_t kBatch = 64;
  const bool was_training = generator->is_training();
  generator->eval();
  torch::NoGradGuard no_grad;
  const auto& xi = extractor.impl();
  std::vector<double> out;
  out.reserve(static_cast<std::size_t>(z.size(0)));
  Progress bar(label, z.size(0), progress);
  for (std::int64_t first = 0; first < z.size(0); first += kBatch) {
    const auto n = std::min(kBatch, z.size(0) - first);
    auto emb = xi.infer(xi.from_rgb(generator->forward(z.narrow(0, first, n).to(device))));
    emb = emb / emb.norm(2, 1, true).clamp_min(1e-12);
    auto cos = (emb * refs.narrow(0, first, n).to(device)).sum(1).to(torch::kCPU, torch::kFloat64).contiguous();
    out.insert(out.end(), cos.data_ptr<double>(), cos.data_ptr<double>() + n);
    bar.advance(n);
  }
  bar.finish();
  generator->train(was_training);
  return out;
}

double share_at_least(const std::vector<double>& scores, double threshold) {
  std::int64_t k = 0;
  for (double s : scores) k += s >= threshold;
  return scores.empty() ? 0.0 : static_cast<double>(k) / static_cast<double>(scores.size());
}

double mean(const std::vector<double>& scores) {
  double m = 0;
  for (double s : scores) m += s / static_cast<double>(scores.size());
  return m;
}

void validate_epoch(models::Generator& generator, const models::InverterLoss& loss, const TrainingSamples& validation,
                    const TrainingInputs& in, const torch::Device& device, bool progress, EpochRecord& h) {
  {
    torch::NoGradGuard no_grad;
    generator->eval();
    double s = 0;
    for (std::int64_t f = 0; f < validation.size(); f += 64) {
      const auto n = std::min<std::int64_t>(64, validation.size() - f);
      auto z = validation.templates.narrow(0, f, n).to(device);
      s += loss(generator->forward(z), validation.images.narrow(0, f, n).to(device), z).total.item<double>() *
           static_cast<double>(n);
    }
    h.val_loss = s / static_cast<double>(validation.size());
  }
  const auto cos = reembedded_cosines(generator, *in.extractor, validation.templates, validation.templates, device,
                                      fmt::format("validation {}", h.epoch), progress);
  h.val_cosine = mean(cos);
  if (in.has_thresholds) h.val_rsr_fmr1 = share_at_least(cos, in.thresholds.fmr_1);
  generator->train();
}

void evaluate_inverter(models::Generator& gen, const TrainingInputs& in, const TrainInverterOptions& o,
                       const torch::Device& device, TrainingSummary& s) {
  // A training set of its own (eval_share 0) is evaluated on every subject of the other set.
  const bool other_set = !o.eval_templates.empty();
  data::TemplateSet other;
  if (other_set) {
    other = data::read_template_set(o.eval_templates);
    IRREV_CHECK(other.dim == in.set.dim &&
                    models::same_extractor(other.extractor_json, in.set.extractor_json, o.eval_templates, o.templates),
                "evaluation templates '{}' come from another extractor than the training templates '{}'",
                o.eval_templates, o.templates);
  }
  const data::TemplateSet& set = other_set ? other : in.set;
  attack::SelectionSpec spec;
  attack::select_unseen_by(spec, o.config.seed, other_set ? 0.0 : o.config.eval_share);
  spec.gender_balanced = false;
  for (auto g : set.images.genders) spec.gender_balanced = spec.gender_balanced || g >= 0;
  const auto chosen = attack::select_templates(
      set.images,
      data::read_detection_scores(other_set ? o.eval_crops : o.crops, set, other_set ? o.eval_templates : o.templates),
      spec);
  auto all = torch::from_blob(const_cast<float*>(set.values.data()), {set.count, set.dim}, torch::kFloat32);
  auto z = all.index_select(0, torch::tensor(chosen.rows, torch::kInt64));
  const auto type1 = reembedded_cosines(gen, *in.extractor, z, z, device, "evaluation", o.progress);
  std::vector<std::int64_t> with_second, second;
  for (std::size_t i = 0; i < chosen.rows.size(); ++i)
    if (chosen.second_rows[i] >= 0) {
      with_second.push_back(static_cast<std::int64_t>(i));
      second.push_back(chosen.second_rows[i]);
    }
  std::vector<double> type2;
  if (!second.empty())
    type2 = reembedded_cosines(gen, *in.extractor, z.index_select(0, torch::tensor(with_second, torch::kInt64)),
                               all.index_select(0, torch::tensor(second, torch::kInt64)), device,
                               "evaluation (type II)", o.progress);
  s.evaluation_templates = static_cast<std::int64_t>(chosen.rows.size());
  s.evaluation_with_second_image = static_cast<std::int64_t>(second.size());
  s.gender_balanced = spec.gender_balanced;
  s.mean_type1_score = mean(type1);
  if (in.has_thresholds) {
    const auto& t = in.thresholds;
    s.type1_rsr = FmrPair{share_at_least(type1, t.fmr_0_1), share_at_least(type1, t.fmr_1)};
    s.type2_rsr = FmrPair{share_at_least(type2, t.fmr_0_1), share_at_least(type2, t.fmr_1)};
    s.thresholds = t;
  }
}

}  // namespace irrev::pipeline::detail
