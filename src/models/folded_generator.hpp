#pragma once
// Private: the generator for inference, with every batch norm folded into the convolution (or
// linear layer) before it. Same outputs as the eval-mode generator (to float rounding), fewer
// passes over memory, and the weights can be cast once to bf16 for the attack's fast path.
#include <optional>

#include "generator.hpp"

namespace irrev::models {

/// A convolution with its batch norm folded in. A stride-2, 4x4 transposed convolution is
/// stored as its sub-pixel equivalent: one 2x2 convolution with 4 x C_out channels (one per
/// output phase), a pixel shuffle and a crop of `crop` pixels per side. The same sums, but as a
/// plain convolution, which oneDNN runs far faster than LibTorch's transposed one on CPUs.
struct FoldedConv {
  torch::Tensor weight, bias;
  int padding = 1;
  int crop = -1;  ///< >= 0: sub-pixel form of a transposed convolution
  /// The same transposed convolution in its own form (C_in x C_out x 4 x 4, stride 2, padding
  /// `crop`), with the batch norm folded in: cuDNN runs transposed convolutions natively, so on
  /// a GPU this form may beat the sub-pixel one (bench: attack_throughput --form).
  torch::Tensor transposed_weight;
  torch::Tensor forward(const torch::Tensor& x, bool transposed = false) const;
  /// relu(forward(x)). `fused`: the convolution, bias and ReLU as one cuDNN call (CUDA only;
  /// ReLU commutes with the sub-pixel form's shuffle and crop, so that form fuses too).
  torch::Tensor forward_relu(const torch::Tensor& x, bool transposed, bool fused) const;
  /// The sub-pixel form's pixel shuffle and crop of a convolution's output (nothing otherwise).
  torch::Tensor shuffle_crop(const torch::Tensor& y) const;
};

/// How the folded generator runs (the same sums; which is fastest depends on the device's
/// library: bench/attack_throughput measures each).
struct GeneratorTuning {
  /// Stride-2 stages as transposed convolutions instead of their sub-pixel form.
  bool transposed = false;
  /// Convolution + bias + ReLU fused by cuDNN (CUDA only).
  bool fused_relu = false;
  /// Activations in channels-last (NHWC) layout: what oneDNN and cuDNN's tensor-core kernels
  /// work in; false keeps NCHW.
  bool channels_last = true;
};

class FoldedGenerator {
 public:
  /// Folds the running statistics of `generator` (its eval-mode behaviour).
  explicit FoldedGenerator(GeneratorImpl& generator);
  /// z: N x D templates -> N x 3 x S x S RGB in [0, 1], float32 whatever the weights' type.
  torch::Tensor forward(const torch::Tensor& z) const;
  /// Move the weights to `device` and cast them to `dtype` (float32, bfloat16 or float16).
  void to(const torch::Device& device, torch::ScalarType dtype);
  torch::ScalarType dtype() const { return m_dtype; }
  void set_tuning(const GeneratorTuning& tuning);
  const GeneratorTuning& tuning() const { return m_tuning; }

 private:
  struct Stage {
    int resize_to = 0;  ///< > 0: nearest resize to this size before `up`
    std::optional<FoldedConv> up;
    std::vector<FoldedConv> residual;
  };
  GeneratorConfig m_config;
  int m_dim = 0;
  torch::Tensor m_first_w, m_first_b;  // linear (resize) or 1x1 -> s0 transposed conv
  std::vector<Stage> m_stages;
  FoldedConv m_to_rgb;
  torch::ScalarType m_dtype = torch::kFloat32;
  torch::Device m_device{torch::kCPU};
  GeneratorTuning m_tuning;
};

}  // namespace irrev::models
