// The CUDA PE-MIU kernel against the CPU reference. Skipped (with the reason) where the build
// has no CUDA kernels or the machine no CUDA device.
#include <gtest/gtest.h>

#include <random>

#include "irrev/match/pe_miu_compare.hpp"
#include "irrev/protect/pe_miu.hpp"
#include "irrev/protect/samplers.hpp"

using namespace irrev;

TEST(PeMiuCuda, MatchesTheCpuReference) {
  if (!match::pe_miu_cuda_available()) GTEST_SKIP() << "no CUDA kernels in this build or no CUDA device";
  std::mt19937 rng(3);
  std::normal_distribution<float> g;
  const int dim = 512, rows = 300;
  std::vector<float> t(static_cast<std::size_t>(rows * dim));
  for (auto& x : t) x = g(rng);
  std::vector<std::int64_t> a, b;
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < 40; ++j) a.push_back(i), b.push_back((i * 31 + j * 7) % rows);
  for (int block : {16, 32, 64, 128, 256, 512}) {
    auto prot = protect::protect_all(t.data(), rows, dim, block, 7);
    std::vector<double> cpu(a.size()), gpu(a.size());
    match::pe_miu_scores(prot.values.data(), t.data(), dim, block, a.data(), b.data(),
                         static_cast<std::int64_t>(a.size()), cpu.data());
    match::pe_miu_scores_cuda(prot.values.data(), rows, t.data(), rows, dim, block, a.data(), b.data(),
                              static_cast<std::int64_t>(a.size()), gpu.data());
    for (std::size_t k = 0; k < a.size(); ++k) ASSERT_NEAR(gpu[k], cpu[k], 1e-12) << "block " << block << " pair " << k;
  }
}
