// CUDA kernel for batches of PE-MIU comparisons: one thread per pair, the same per-pair code
// as the CPU (detail/pe_miu_kernel.hpp), so the GPU is checked against the CPU reference.
#include <cuda_runtime.h>

#include <string>

#include "../detail/pe_miu_kernel.hpp"
#include "irrev/core/error.hpp"
#include "irrev/match/pe_miu_compare.hpp"
#include "irrev/protect/pe_miu.hpp"

namespace irrev::match {
namespace {
constexpr int kMaxDim = 2048;  // per-thread scratch of the transposed probe

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) IRREV_FAIL("CUDA {} failed: {}", what, cudaGetErrorString(e));
}

/// Device buffer owned for the duration of one call.
template <class T>
struct DeviceBuffer {
  T* ptr = nullptr;
  explicit DeviceBuffer(std::size_t n) { check(cudaMalloc(&ptr, n * sizeof(T) + 1), "cudaMalloc"); }
  ~DeviceBuffer() { cudaFree(ptr); }
};

__global__ void pe_miu_kernel(const float* refs, const float* probes, int dim, int n, int block,
                              const std::int64_t* ref, const std::int64_t* probe, std::int64_t count, double* scores) {
  std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (k >= count) return;
  double cost[detail::kMaxN * detail::kMaxN];
  float qt[kMaxDim];
  scores[k] = detail::pe_miu_score(refs + ref[k] * dim, probes + probe[k] * dim, n, block, cost, qt, nullptr);
}

}  // namespace

bool pe_miu_cuda_available() {
  int devices = 0;
  return cudaGetDeviceCount(&devices) == cudaSuccess && devices > 0;
}

void pe_miu_scores_cuda(const float* references, std::int64_t n_references, const float* probes, std::int64_t n_probes,
                        int dim, int block, const std::int64_t* ref, const std::int64_t* probe, std::int64_t count,
                        double* scores) {
  const int n = protect::block_count(dim, block);
  IRREV_CHECK(dim <= kMaxDim, "the CUDA PE-MIU kernel takes templates of up to {} values, not {}", kMaxDim, dim);
  IRREV_CHECK(pe_miu_cuda_available(), "PE-MIU on CUDA was asked for, but no CUDA device is present");
  if (count == 0) return;
  const auto rows_r = static_cast<std::size_t>(n_references * dim);
  const auto rows_p = static_cast<std::size_t>(n_probes * dim);
  DeviceBuffer<float> d_refs(rows_r), d_probes(rows_p);
  DeviceBuffer<std::int64_t> d_ref(static_cast<std::size_t>(count)), d_probe(static_cast<std::size_t>(count));
  DeviceBuffer<double> d_scores(static_cast<std::size_t>(count));
  check(cudaMemcpy(d_refs.ptr, references, rows_r * sizeof(float), cudaMemcpyHostToDevice), "copy");
  check(cudaMemcpy(d_probes.ptr, probes, rows_p * sizeof(float), cudaMemcpyHostToDevice), "copy");
  check(cudaMemcpy(d_ref.ptr, ref, count * sizeof(std::int64_t), cudaMemcpyHostToDevice), "copy");
  check(cudaMemcpy(d_probe.ptr, probe, count * sizeof(std::int64_t), cudaMemcpyHostToDevice), "copy");
  const int threads = 128;
  const auto grid = static_cast<unsigned>((count + threads - 1) / threads);
  pe_miu_kernel<<<grid, threads>>>(d_refs.ptr, d_probes.ptr, dim, n, block, d_ref.ptr, d_probe.ptr, count,
                                   d_scores.ptr);
  check(cudaGetLastError(), "kernel launch");
  check(cudaMemcpy(scores, d_scores.ptr, count * sizeof(double), cudaMemcpyDeviceToHost), "copy back");
}

}  // namespace irrev::match
