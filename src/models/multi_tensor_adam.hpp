#pragma once
// Private: Adam over all of a network's parameters at once. LibTorch's torch::optim::Adam runs
// seven small operations per parameter tensor; the reference generator has ~100 tensors, so at
// the study's batch of 32 a GPU step is mostly launch overhead. The same arithmetic, element for
// element, as LibTorch's Adam (no weight decay, no AMSGrad), done with the multi-tensor
// (_foreach) operations: a handful of launches per step on CUDA.
#include <torch/types.h>

#include <string>
#include <vector>

namespace irrev::models {

class MultiTensorAdam {
 public:
  MultiTensorAdam(std::vector<torch::Tensor> params, double lr, double beta1 = 0.9, double beta2 = 0.999,
                  double eps = 1e-8);
  void set_lr(double lr) { m_lr = lr; }
  /// Zero every gradient in place (the tensors stay, so the next backward adds into them).
  void zero_grad();
  /// One update from the parameters' gradients (each must be defined).
  void step();
  /// The moments and the step count, for a checkpoint; load() takes what save() wrote.
  void save(const std::string& path) const;
  void load(const std::string& path);
  std::int64_t steps() const { return m_step; }

 private:
  std::vector<torch::Tensor> m_params, m_avg, m_avg_sq;
  double m_lr, m_beta1, m_beta2, m_eps;
  std::int64_t m_step = 0;
};

}  // namespace irrev::models
