#include "generator.hpp"

#include "irrev/core/error.hpp"

namespace irrev::models {
namespace nn = torch::nn;

ResidualImpl::ResidualImpl(int channels, int convs) {
  nn::Sequential s;
  for (int i = 0; i < convs; ++i) {
    s->push_back(nn::Conv2d(nn::Conv2dOptions(channels, channels, 3).padding(1).bias(false)));
    s->push_back(nn::BatchNorm2d(channels));
    s->push_back(nn::ReLU(nn::ReLUOptions(true)));
  }
  body = register_module("body", s);
}

torch::Tensor ResidualImpl::forward(const torch::Tensor& x) { return body->size() == 0 ? x : x + body->forward(x); }

GeneratorImpl::GeneratorImpl(int dim, const GeneratorConfig& c) : config(c), template_dim(dim) {
  c.validate();
  const int c0 = c.channels[0], s0 = c.stage_sizes[0];
  if (c.upsample == GeneratorUpsample::resize) {
    to_first = register_module("to_first", nn::Linear(dim, c0 * s0 * s0));
  } else {
    first_up = register_module("first_up", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(dim, c0, s0).bias(false)));
  }
  first_bn = register_module("first_bn", nn::BatchNorm2d(c0));
  residuals.push_back(register_module("residual0", Residual(c0, c.residual_convs)));
  for (std::size_t i = 1; i < c.stage_sizes.size(); ++i) {
    const int in = c.channels[i - 1], out = c.channels[i];
    nn::Sequential up;
    if (c.upsample == GeneratorUpsample::resize) {
      up->push_back(nn::Upsample(
          nn::UpsampleOptions().size(std::vector<int64_t>{c.stage_sizes[i], c.stage_sizes[i]}).mode(torch::kNearest)));
      up->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1).bias(false)));
    } else {
      const int pad = (2 * (c.stage_sizes[i - 1] - 1) + 4 - c.stage_sizes[i]) / 2;
      up->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(in, out, 4).stride(2).padding(pad).bias(false)));
    }
    up->push_back(nn::BatchNorm2d(out));
    up->push_back(nn::ReLU(nn::ReLUOptions(true)));
    ups.push_back(register_module("up" + std::to_string(i), up));
    residuals.push_back(register_module("residual" + std::to_string(i), Residual(out, c.residual_convs)));
  }
  to_rgb = register_module("to_rgb", nn::Conv2d(nn::Conv2dOptions(c.channels.back(), 3, 3).padding(1)));
}

torch::Tensor GeneratorImpl::forward(const torch::Tensor& z) {
  const int c0 = config.channels[0], s0 = config.stage_sizes[0];
  torch::Tensor x = config.upsample == GeneratorUpsample::resize
                        ? to_first->forward(z).view({z.size(0), c0, s0, s0})
                        : first_up->forward(z.view({z.size(0), template_dim, 1, 1}));
  x = residuals[0]->forward(torch::relu(first_bn->forward(x)));
  for (std::size_t i = 0; i < ups.size(); ++i) x = residuals[i + 1]->forward(ups[i]->forward(x));
  return torch::sigmoid(to_rgb->forward(x));
}

}  // namespace irrev::models
