// The inverter's inference path: batch norm folded into the convolutions gives the eval-mode
// generator's output, for both upsampling kinds.
#include <gtest/gtest.h>

#include "irrev/core/error.hpp"
#include "models/folded_generator.hpp"

using namespace irrev::models;

namespace {
/// A generator whose batch norms hold non-trivial statistics and affine parameters.
Generator trained_looking(const GeneratorConfig& c, int dim) {
  torch::manual_seed(3);
  Generator g(dim, c);
  g->train();
  torch::NoGradGuard no_grad;
  for (int i = 0; i < 3; ++i) g->forward(torch::randn({8, dim}) * 2 + 0.5);
  for (auto& m : g->modules(false))
    if (auto* bn = m->as<torch::nn::BatchNorm2d>()) {
      bn->weight.uniform_(0.5, 1.5);
      bn->bias.uniform_(-0.3, 0.3);
    }
  g->eval();
  return g;
}

void expect_same(const GeneratorConfig& c, int dim) {
  auto g = trained_looking(c, dim);
  FoldedGenerator folded(*g);
  torch::NoGradGuard no_grad;
  auto z = torch::randn({5, dim});
  auto a = g->forward(z), b = folded.forward(z);
  ASSERT_EQ(a.sizes(), b.sizes());
  EXPECT_LT((a - b).abs().max().item<double>(), 2e-5);
  // The check can fail: a generator with other statistics differs.
  auto other = trained_looking(c, dim);
  for (auto& m : other->modules(false))
    if (auto* bn = m->as<torch::nn::BatchNorm2d>()) bn->running_mean.add_(0.5);
  EXPECT_GT((other->forward(z) - b).abs().max().item<double>(), 1e-3);
}
/// A small generator with nearest-resize upsampling (16 px).
GeneratorConfig small_resize(int residual_convs) {
  GeneratorConfig c;
  c.stage_sizes = {4, 8, 16};
  c.channels = {32, 16, 8};
  c.residual_convs = residual_convs;
  c.upsample = GeneratorUpsample::resize;
  return c;
}
}  // namespace

TEST(FoldedGenerator, MatchesEvalModeWithResizeUpsampling) {
  const auto c = small_resize(2);
  expect_same(c, 64);
}

TEST(FoldedGenerator, MatchesEvalModeWithTransposedConvolutions) {
  GeneratorConfig c;  // the reference layout, narrower
  c.channels = {32, 16, 16, 8, 8, 4};
  expect_same(c, 128);
}

/// The sub-pixel form in channels-last (the default) against the transposed form and NCHW:
/// the same sums in another order or layout.
TEST(FoldedGenerator, EveryFormAndLayoutGivesTheSameImage) {
  GeneratorConfig c;  // the reference layout, narrower
  c.channels = {32, 16, 16, 8, 8, 4};
  auto g = trained_looking(c, 128);
  FoldedGenerator folded(*g);
  torch::NoGradGuard no_grad;
  auto z = torch::randn({3, 128});
  const auto sub = folded.forward(z);
  for (bool transposed : {false, true})
    for (bool channels_last : {true, false}) {
      folded.set_tuning({transposed, /*fused_relu=*/false, channels_last});
      const auto other = folded.forward(z);
      ASSERT_EQ(sub.sizes(), other.sizes());
      EXPECT_LT((sub - other).abs().max().item<double>(), 2e-5)
          << "transposed " << transposed << " nhwc " << channels_last;
      EXPECT_LT((g->forward(z) - other).abs().max().item<double>(), 2e-5) << "against the unfolded generator";
    }
}

TEST(FoldedGenerator, RefusesCudnnFusionOnTheCpu) {
  const auto c = small_resize(1);
  FoldedGenerator folded(*trained_looking(c, 64));
  try {
    folded.set_tuning({false, /*fused_relu=*/true});
    FAIL() << "a CPU generator took cuDNN's fused convolution";
  } catch (const irrev::Error& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA device, not cpu"), std::string::npos) << e.what();
  }
}

TEST(FoldedGenerator, CastsToBfloat16WithinTolerance) {
  const auto c = small_resize(1);
  auto g = trained_looking(c, 64);
  FoldedGenerator folded(*g);
  torch::NoGradGuard no_grad;
  auto z = torch::randn({4, 64});
  auto ref = folded.forward(z);
  folded.to(torch::kCPU, torch::kBFloat16);
  auto low = folded.forward(z);
  EXPECT_EQ(low.scalar_type(), torch::kFloat32);
  EXPECT_LT((ref - low).abs().max().item<double>(), 0.05);
}
