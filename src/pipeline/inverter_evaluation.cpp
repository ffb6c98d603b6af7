#include "inverter_evaluation.hpp"

#include "../models/extractor_impl.hpp"
#include "irrev/core/progress.hpp"

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

}  // namespace irrev::pipeline::detail
