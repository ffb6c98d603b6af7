#include "irrev/match/pe_miu_compare.hpp"

#include <cmath>

#include "detail/pe_miu_kernel.hpp"
#include "irrev/core/error.hpp"
#include "irrev/protect/pe_miu.hpp"

namespace irrev::match {
namespace {
// The same per-pair code, compiled for AVX-512, AVX2 and baseline x86-64 and chosen at load
// time: the block-distance loops vectorise 4-8 doubles wide where the CPU allows.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
double
score_pair(const float* r, const float* q, int n, int b, double* cost, float* qt, int* sigma) {
  return detail::pe_miu_score(r, q, n, b, cost, qt, sigma);
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
double
score_prepared_pair(const float* r, double rn, const float* q, const float* qt, double qn, int n, int b, double* cost) {
  return detail::pe_miu_score_prepared(r, rn, q, qt, qn, n, b, cost, nullptr);
}
}  // namespace

PeMiuComparator::PeMiuComparator(int dim, int block)
    : m_n(protect::block_count(dim, block)),
      m_block(block),
      m_cost(static_cast<std::size_t>(m_n * m_n)),
      m_transposed(static_cast<std::size_t>(dim)) {}

double PeMiuComparator::score(const float* reference, const float* probe, int* assignment) {
  return score_pair(reference, probe, m_n, m_block, m_cost.data(), m_transposed.data(), assignment);
}

double PeMiuComparator::norm(const float* x) const { return std::sqrt(detail::dot8(x, x, m_n * m_block)); }

void PeMiuComparator::transpose(const float* probe, float* transposed) const {
  detail::transpose_blocks(probe, m_n, m_block, transposed);
}

double PeMiuComparator::score_prepared(const float* reference, double reference_norm, const float* probe,
                                       const float* probe_transposed, double probe_norm) {
  return score_prepared_pair(reference, reference_norm, probe, probe_transposed, probe_norm, m_n, m_block,
                             m_cost.data());
}

double pe_miu_score(const float* reference, const float* probe, int dim, int block, std::vector<int>* assignment) {
  PeMiuComparator c(dim, block);
  int sigma[detail::kMaxN];
  double s = c.score(reference, probe, sigma);
  if (assignment) assignment->assign(sigma, sigma + c.blocks());
  return s;
}

void pe_miu_scores(const float* references, const float* probes, int dim, int block, const std::int64_t* ref,
                   const std::int64_t* probe, std::int64_t count, double* scores) {
  PeMiuComparator c(dim, block);
  for (std::int64_t k = 0; k < count; ++k) scores[k] = c.score(references + ref[k] * dim, probes + probe[k] * dim);
}

#ifndef IRREV_WITH_CUDA
bool pe_miu_cuda_available() { return false; }

void pe_miu_scores_cuda(const float*, std::int64_t, const float*, std::int64_t, int, int, const std::int64_t*,
                        const std::int64_t*, std::int64_t, double*) {
  IRREV_FAIL("this build has no CUDA kernels (configure with IRREV_ENABLE_CUDA=ON where nvcc is)");
}
#endif

}  // namespace irrev::match
