#include "inverter_loss.hpp"

#include <torch/nn/functional/loss.h>

#include <cmath>

#include "autocast.hpp"

namespace irrev::models {
namespace F = torch::nn::functional;

InverterLoss::InverterLoss(const InverterTrainingConfig& config, const Extractor::Impl& extractor)
    : m_config(config), m_extractor(extractor) {}

torch::Tensor InverterLoss::embed(const torch::Tensor& recon) const {
  torch::Tensor emb;
  {
    AutocastGuard autocast(m_config.id_bf16, recon.device());
    emb = m_extractor.forward(m_extractor.from_rgb(recon)).to(torch::kFloat32);
  }
  return emb / emb.norm(2, 1, true).clamp_min(1e-12);
}

InverterLoss::Terms InverterLoss::operator()(const torch::Tensor& recon, const torch::Tensor& target,
                                             const torch::Tensor& z) const {
  Terms t;
  t.mse = F::mse_loss(recon, target);
  t.ssim = 1.0 - ssim(recon, target);
  t.id = torch::zeros({}, recon.options());
  if (m_config.id_weight != 0) {  // the extractor's forward and backward: the dearest part
    const auto n = recon.size(0);
    const auto k =
        std::min<std::int64_t>(n, static_cast<std::int64_t>(std::ceil(m_config.id_share * static_cast<double>(n))));
    auto emb = embed(recon.narrow(0, 0, k));
    auto zk = z.narrow(0, 0, k);
    t.id = m_config.id_loss == IdLoss::mse ? F::mse_loss(emb, zk) : (1.0 - (emb * zk).sum(1)).mean();
  }
  t.total = m_config.mse_weight * t.mse + m_config.ssim_weight * t.ssim + m_config.id_weight * t.id;
  return t;
}

torch::Tensor ssim(const torch::Tensor& x, const torch::Tensor& y) {
  const int64_t c = x.size(1);
  auto g = torch::arange(11, x.options()).sub(5).pow(2).div(-2 * 1.5 * 1.5).exp();
  g = g / g.sum();
  auto w = torch::outer(g, g).expand({c, 1, 11, 11}).contiguous();
  auto blur = [&](const torch::Tensor& t) { return torch::conv2d(t, w, {}, 1, 5, 1, c); };
  const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
  auto mx = blur(x), my = blur(y);
  auto sxx = blur(x * x) - mx * mx, syy = blur(y * y) - my * my, sxy = blur(x * y) - mx * my;
  auto map = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
  return map.mean();
}

}  // namespace irrev::models
