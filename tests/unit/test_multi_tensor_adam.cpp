// MultiTensorAdam against LibTorch's own Adam on the same network and data: the same updates,
// and a save/load in the middle changes nothing (what a resumed training relies on).
#include <gtest/gtest.h>
#include <torch/optim/adam.h>
#include <torch/serialize.h>

#include <filesystem>

#include "models/generator.hpp"
#include "models/multi_tensor_adam.hpp"

using namespace irrev::models;

namespace {
GeneratorConfig small() {
  GeneratorConfig c;
  c.stage_sizes = {4, 8, 16};
  c.channels = {16, 8, 4};
  c.residual_convs = 1;
  c.upsample = GeneratorUpsample::resize;
  return c;
}

/// One training step's loss: reconstructions of `z` against fixed targets.
torch::Tensor loss(Generator& g, const torch::Tensor& z, const torch::Tensor& target) {
  return torch::mse_loss(g->forward(z), target);
}

std::vector<torch::Tensor> params_of(Generator& g) {
  std::vector<torch::Tensor> out;
  for (const auto& p : g->parameters()) out.push_back(p.detach().clone());
  return out;
}
}  // namespace

TEST(MultiTensorAdam, TakesTheStepsOfLibTorchsAdam) {
  torch::manual_seed(7);
  Generator a(32, small());
  Generator b(32, small());
  {
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < a->parameters().size(); ++i) b->parameters()[i].copy_(a->parameters()[i]);
  }
  const auto start = params_of(b);
  torch::optim::Adam ref(a->parameters(), torch::optim::AdamOptions(1e-3));
  MultiTensorAdam ours(b->parameters(), 1e-3);
  auto z = torch::randn({6, 32}), target = torch::rand({6, 3, 16, 16});
  for (int step = 0; step < 5; ++step) {
    if (step == 3) {  // the learning-rate schedule halves it
      for (auto& g : ref.param_groups()) static_cast<torch::optim::AdamOptions&>(g.options()).lr(5e-4);
      ours.set_lr(5e-4);
    }
    ref.zero_grad();
    loss(a, z, target).backward();
    ref.step();
    ours.zero_grad();
    loss(b, z, target).backward();
    ours.step();
  }
  const auto pa = params_of(a), pb = params_of(b);
  ASSERT_EQ(pa.size(), pb.size());
  double worst = 0, moved = 0;
  for (std::size_t i = 0; i < pa.size(); ++i) {
    worst = std::max(worst, (pa[i] - pb[i]).abs().max().item<double>());
    moved = std::max(moved, (pb[i] - start[i]).abs().max().item<double>());
  }
  EXPECT_LE(worst, 1e-7) << "the two optimizers took different steps";
  EXPECT_GT(moved, 1e-4) << "the parameters did not move, so the comparison shows nothing";
}

TEST(MultiTensorAdam, SaveAndLoadContinueTheSameTraining) {
  const auto dir = std::filesystem::temp_directory_path() / "irrev_mta_test";
  std::filesystem::create_directories(dir);
  auto z = torch::randn({6, 32}), target = torch::rand({6, 3, 16, 16});
  auto train = [&](Generator& g, MultiTensorAdam& opt, int steps) {
    for (int s = 0; s < steps; ++s) {
      opt.zero_grad();
      loss(g, z, target).backward();
      opt.step();
    }
  };
  torch::manual_seed(11);
  Generator straight(32, small());
  MultiTensorAdam o1(straight->parameters(), 1e-3);
  train(straight, o1, 6);

  torch::manual_seed(11);
  Generator first(32, small());
  MultiTensorAdam o2(first->parameters(), 1e-3);
  train(first, o2, 3);
  torch::save(first, (dir / "g.pt").string());
  o2.save((dir / "adam.pt").string());
  torch::manual_seed(99);  // another start: everything must come from the files
  Generator resumed(32, small());
  MultiTensorAdam o3(resumed->parameters(), 1e-3);
  torch::load(resumed, (dir / "g.pt").string());
  o3.load((dir / "adam.pt").string());
  EXPECT_EQ(o3.steps(), 3);
  train(resumed, o3, 3);
  const auto ps = params_of(straight), pr = params_of(resumed);
  for (std::size_t i = 0; i < ps.size(); ++i) ASSERT_TRUE(torch::equal(ps[i], pr[i])) << "parameter " << i;
  std::filesystem::remove_all(dir);
}
