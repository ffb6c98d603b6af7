// The gradient all-reduce of data-parallel training (dist::average_gradients): every rank ends
// with the mean of the ranks' gradients, on the CPU and, where there is one, on a GPU (through
// the device buffer where MPI is CUDA-aware, through host memory otherwise).
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include "dist/gradient_sum.hpp"
#include "mpi_main.hpp"

using namespace irrev;

namespace {
/// Two parameters whose gradients are rank + 1 + their element's index, on `device`.
std::vector<torch::Tensor> parameters_with_gradients(const torch::Device& device) {
  const double r = irrev::test::mpi_comm->rank() + 1;
  std::vector<torch::Tensor> ps{torch::zeros({3}, device).requires_grad_(),
                                torch::zeros({2, 2}, device).requires_grad_()};
  for (auto& p : ps) p.mutable_grad() = torch::arange(p.numel(), torch::kFloat32).view_as(p).add(r).to(device);
  return ps;
}

void expect_mean_of_ranks(const std::vector<torch::Tensor>& ps) {
  const int n = irrev::test::mpi_comm->size();
  const double mean_rank = (n + 1) / 2.0;
  for (const auto& p : ps) {
    auto g = p.grad().to(torch::kCPU).flatten();
    for (std::int64_t i = 0; i < g.numel(); ++i)
      EXPECT_FLOAT_EQ(g[i].item<float>(), static_cast<float>(mean_rank + i)) << "element " << i << " of " << p.sizes();
  }
}
}  // namespace

TEST(GradientSum, EveryRankGetsTheMeanOnTheCpu) {
  auto ps = parameters_with_gradients(torch::kCPU);
  dist::average_gradients(*irrev::test::mpi_comm, ps);
  expect_mean_of_ranks(ps);
  EXPECT_STREQ(dist::gradient_sum_route(torch::kCPU), "host memory");
}

TEST(GradientSum, EveryRankGetsTheMeanOnTheGpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const torch::Device gpu(torch::kCUDA, 0);
  auto ps = parameters_with_gradients(gpu);
  dist::average_gradients(*irrev::test::mpi_comm, ps);
  EXPECT_TRUE(ps.front().grad().is_cuda());
  expect_mean_of_ranks(ps);
  if (irrev::test::mpi_comm->is_master())
    std::printf("[ gradient sum on CUDA through %s ]\n", dist::gradient_sum_route(gpu));
}
