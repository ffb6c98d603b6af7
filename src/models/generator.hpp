#pragma once
// Private: the inversion network in LibTorch (template of D values -> RGB image in [0, 1]).
#include <torch/nn/module.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/upsampling.h>
#include <torch/nn/pimpl.h>

#include "irrev/models/inverter_config.hpp"

namespace irrev::models {

/// x + f(x), f = R x (3x3 conv + batch norm + ReLU) at constant channels and size.
struct ResidualImpl : torch::nn::Module {
  ResidualImpl(int channels, int convs);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Sequential body{nullptr};
};
TORCH_MODULE(Residual);

struct GeneratorImpl : torch::nn::Module {
  GeneratorImpl(int template_dim, const GeneratorConfig& config);
  /// z: N x D templates -> N x 3 x S x S, RGB in [0, 1].
  torch::Tensor forward(const torch::Tensor& z);

  GeneratorConfig config;
  int template_dim;
  torch::nn::Linear to_first{nullptr};           // "resize": D -> C0 * s0 * s0
  torch::nn::ConvTranspose2d first_up{nullptr};  // "transposed": 1x1 -> s0
  torch::nn::BatchNorm2d first_bn{nullptr};
  std::vector<torch::nn::Sequential> ups;  // stage i > 0: upsample + conv + BN + ReLU
  std::vector<Residual> residuals;         // one per stage
  torch::nn::Conv2d to_rgb{nullptr};
};
TORCH_MODULE(Generator);

}  // namespace irrev::models
