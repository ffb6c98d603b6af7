#include "irrev/match/pe_miu_compare.hpp"

#include "detail/pe_miu_kernel.hpp"
#include "irrev/core/error.hpp"
#include "irrev/protect/pe_miu.hpp"

namespace irrev::match {

double pe_miu_score(const float* reference, const float* probe, int dim, int block,
                    std::vector<int>* assignment) {
  const int n = protect::block_count(dim, block);
  double cost[detail::kMaxN * detail::kMaxN];
  int sigma[detail::kMaxN];
  double s = detail::pe_miu_score(reference, probe, n, block, cost, sigma);
  if (assignment) assignment->assign(sigma, sigma + n);
  return s;
}

void pe_miu_scores(const float* references, const float* probes, int dim, int block,
                   const std::int64_t* ref, const std::int64_t* probe, std::int64_t count,
                   double* scores) {
  const int n = protect::block_count(dim, block);
  double cost[detail::kMaxN * detail::kMaxN];
  for (std::int64_t k = 0; k < count; ++k) {
    scores[k] = detail::pe_miu_score(references + ref[k] * dim, probes + probe[k] * dim, n, block,
                                     cost, nullptr);
  }
}

#ifndef IRREV_WITH_CUDA
bool pe_miu_cuda_available() { return false; }

void pe_miu_scores_cuda(const float*, std::int64_t, const float*, std::int64_t, int, int,
                        const std::int64_t*, const std::int64_t*, std::int64_t, double*) {
  IRREV_FAIL("this build has no CUDA kernels (configure with IRREV_ENABLE_CUDA=ON where nvcc is)");
}
#endif

}  // namespace irrev::match
