#include "folded_generator.hpp"

#include "irrev/core/error.hpp"

namespace irrev::models {
namespace nn = torch::nn;
namespace {

/// Scale and shift of an eval-mode batch norm: y = x * scale + shift per channel.
std::pair<torch::Tensor, torch::Tensor> bn_affine(const nn::BatchNorm2dImpl& bn) {
  auto scale = bn.weight / torch::sqrt(bn.running_var + bn.options.eps());
  return {scale, bn.bias - bn.running_mean * scale};
}

FoldedConv fold(const torch::Tensor& weight, const torch::Tensor& bias, const nn::BatchNorm2dImpl& bn,
                bool transposed, int stride, int padding) {
  auto [scale, shift] = bn_affine(bn);
  FoldedConv f;
  // Output channels are dimension 0 of a convolution's weight, dimension 1 of a transposed one's.
  f.weight = transposed ? weight * scale.view({1, -1, 1, 1}) : weight * scale.view({-1, 1, 1, 1});
  f.bias = (bias.defined() ? bias * scale : torch::zeros_like(scale)) + shift;
  f.transposed = transposed;
  f.stride = stride;
  f.padding = padding;
  return f;
}

}  // namespace

torch::Tensor FoldedConv::forward(const torch::Tensor& x) const {
  return transposed ? torch::conv_transpose2d(x, weight, bias, stride, padding)
                    : torch::conv2d(x, weight, bias, stride, padding);
}

FoldedGenerator::FoldedGenerator(GeneratorImpl& g) : m_config(g.config), m_dim(g.template_dim) {
  torch::NoGradGuard no_grad;
  const auto& c = m_config;
  auto [scale0, shift0] = bn_affine(*g.first_bn);
  if (c.upsample == "resize") {
    // Row r of the linear layer feeds channel r / (s0 * s0) of the first map.
    const int64_t area = static_cast<int64_t>(c.stage_sizes[0]) * c.stage_sizes[0];
    auto s = scale0.repeat_interleave(area), t = shift0.repeat_interleave(area);
    m_first_w = g.to_first->weight * s.view({-1, 1});
    m_first_b = g.to_first->bias * s + t;
  } else {
    m_first_w = g.first_up->weight * scale0.view({1, -1, 1, 1});
    m_first_b = shift0;
  }
  auto residual_of = [&](Residual& r) {
    std::vector<FoldedConv> out;
    auto& body = *r->body;
    for (std::size_t i = 0; i < body.size(); i += 3) {
      auto* conv = body.ptr(i)->as<nn::Conv2d>();
      auto* bn = body.ptr(i + 1)->as<nn::BatchNorm2d>();
      IRREV_ASSERT(conv && bn, "unexpected residual layout in the generator");
      out.push_back(fold(conv->weight, conv->bias, *bn, false, 1, 1));
    }
    return out;
  };
  m_stages.push_back(Stage{0, std::nullopt, residual_of(g.residuals[0])});
  for (std::size_t i = 0; i < g.ups.size(); ++i) {
    auto& up = *g.ups[i];
    Stage st;
    if (c.upsample == "resize") {
      st.resize_to = c.stage_sizes[i + 1];
      auto* conv = up.ptr(1)->as<nn::Conv2d>();
      auto* bn = up.ptr(2)->as<nn::BatchNorm2d>();
      IRREV_ASSERT(conv && bn, "unexpected upsampling layout in the generator");
      st.up = fold(conv->weight, conv->bias, *bn, false, 1, 1);
    } else {
      auto* conv = up.ptr(0)->as<nn::ConvTranspose2d>();
      auto* bn = up.ptr(1)->as<nn::BatchNorm2d>();
      IRREV_ASSERT(conv && bn, "unexpected upsampling layout in the generator");
      // The padding the generator chose for this stage (see GeneratorImpl).
      const int pad = (2 * (c.stage_sizes[i] - 1) + 4 - c.stage_sizes[i + 1]) / 2;
      st.up = fold(conv->weight, conv->bias, *bn, true, 2, pad);
    }
    st.residual = residual_of(g.residuals[i + 1]);
    m_stages.push_back(std::move(st));
  }
  m_to_rgb.weight = g.to_rgb->weight.detach().clone();
  m_to_rgb.bias = g.to_rgb->bias.detach().clone();
}

void FoldedGenerator::to(const torch::Device& device, torch::ScalarType dtype) {
  auto move = [&](torch::Tensor& t) {
    if (t.defined()) t = t.detach().to(device, dtype).contiguous();
  };
  move(m_first_w);
  move(m_first_b);
  for (auto& s : m_stages) {
    if (s.up) {
      move(s.up->weight);
      move(s.up->bias);
    }
    for (auto& r : s.residual) {
      move(r.weight);
      move(r.bias);
    }
  }
  move(m_to_rgb.weight);
  move(m_to_rgb.bias);
  m_dtype = dtype;
}

torch::Tensor FoldedGenerator::forward(const torch::Tensor& z_in) const {
  torch::NoGradGuard no_grad;
  const auto z = z_in.to(m_dtype);
  const int64_t n = z.size(0), c0 = m_config.channels[0], s0 = m_config.stage_sizes[0];
  torch::Tensor x = m_config.upsample == "resize"
                        ? torch::linear(z, m_first_w, m_first_b).view({n, c0, s0, s0})
                        : torch::conv_transpose2d(z.view({n, m_dim, 1, 1}), m_first_w, m_first_b);
  x = torch::relu(x);
  for (const auto& st : m_stages) {
    if (st.resize_to > 0)
      x = torch::upsample_nearest2d(x, std::vector<int64_t>{st.resize_to, st.resize_to});
    if (st.up) x = torch::relu(st.up->forward(x));
    if (!st.residual.empty()) {
      auto y = x;
      for (const auto& r : st.residual) y = torch::relu(r.forward(y));
      x = x + y;
    }
  }
  return torch::sigmoid(m_to_rgb.forward(x)).to(torch::kFloat32);
}

}  // namespace irrev::models
