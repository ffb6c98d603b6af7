#include "multi_tensor_adam.hpp"

#include <torch/serialize.h>

#include <cmath>

#include "irrev/core/error.hpp"

namespace irrev::models {

MultiTensorAdam::MultiTensorAdam(std::vector<torch::Tensor> params, double lr, double beta1, double beta2, double eps)
    : m_params(std::move(params)), m_lr(lr), m_beta1(beta1), m_beta2(beta2), m_eps(eps) {
  torch::NoGradGuard no_grad;
  for (const auto& p : m_params) {
    m_avg.push_back(torch::zeros_like(p, at::MemoryFormat::Preserve));
    m_avg_sq.push_back(torch::zeros_like(p, at::MemoryFormat::Preserve));
  }
}

void MultiTensorAdam::zero_grad() {
  std::vector<torch::Tensor> grads;
  for (auto& p : m_params)
    if (p.grad().defined()) grads.push_back(p.mutable_grad().detach_());
  if (!grads.empty()) at::_foreach_zero_(grads);
}

void MultiTensorAdam::step() {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  grads.reserve(m_params.size());
  for (std::size_t i = 0; i < m_params.size(); ++i) {
    IRREV_ASSERT(m_params[i].grad().defined(), "parameter {} of {} has no gradient", i, m_params.size());
    grads.push_back(m_params[i].grad());
  }
  ++m_step;
  // As LibTorch's Adam: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
  // p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
  const double bc1 = 1 - std::pow(m_beta1, static_cast<double>(m_step));
  const double bc2 = 1 - std::pow(m_beta2, static_cast<double>(m_step));
  at::_foreach_mul_(m_avg, m_beta1);
  at::_foreach_add_(m_avg, grads, 1 - m_beta1);
  at::_foreach_mul_(m_avg_sq, m_beta2);
  at::_foreach_addcmul_(m_avg_sq, grads, grads, 1 - m_beta2);
  auto denom = at::_foreach_sqrt(m_avg_sq);
  at::_foreach_div_(denom, std::sqrt(bc2));
  at::_foreach_add_(denom, m_eps);
  at::_foreach_addcdiv_(m_params, m_avg, denom, -m_lr / bc1);
}

void MultiTensorAdam::save(const std::string& path) const {
  std::vector<torch::Tensor> all(m_avg.begin(), m_avg.end());
  all.insert(all.end(), m_avg_sq.begin(), m_avg_sq.end());
  all.push_back(torch::tensor(m_step, torch::kInt64));
  torch::save(all, path);
}

void MultiTensorAdam::load(const std::string& path) {
  std::vector<torch::Tensor> all;
  torch::load(all, path);
  const auto n = m_params.size();
  IRREV_CHECK(all.size() == 2 * n + 1, "'{}' holds the optimizer state of another network ({} tensors, {} expected)",
              path, all.size(), 2 * n + 1);
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < n; ++i) {
    IRREV_CHECK(all[i].sizes() == m_params[i].sizes() && all[n + i].sizes() == m_params[i].sizes(),
                "'{}': optimizer state {} does not fit its parameter", path, i);
    m_avg[i].copy_(all[i]);
    m_avg_sq[i].copy_(all[n + i]);
  }
  m_step = all[2 * n].item<std::int64_t>();
}

}  // namespace irrev::models
