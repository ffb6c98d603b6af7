#include "gradient_sum.hpp"

#include <mpi.h>
#if __has_include(<mpi-ext.h>)
#include <mpi-ext.h>  // Open MPI's extensions: MPIX_CUDA_AWARE_SUPPORT, MPIX_Query_cuda_support
#endif
#include <torch/cuda.h>

namespace irrev::dist {

bool cuda_aware_mpi() {
#if defined(MPIX_CUDA_AWARE_SUPPORT) && MPIX_CUDA_AWARE_SUPPORT
  return MPIX_Query_cuda_support() == 1;
#else
  return false;
#endif
}

const char* gradient_sum_route(const torch::Device& device) {
  return device.is_cuda() && cuda_aware_mpi() ? "the device buffer (CUDA-aware MPI)" : "host memory";
}

void average_gradients(const Communicator& comm, const std::vector<torch::Tensor>& parameters) {
  if (parameters.empty() || comm.size() == 1) return;
  std::vector<torch::Tensor> flat;
  flat.reserve(parameters.size());
  for (const auto& p : parameters) flat.push_back(p.grad().flatten());
  const auto device = parameters.front().device();
  const bool on_device = device.is_cuda() && cuda_aware_mpi();
  auto g = torch::cat(flat).to(on_device ? device : torch::Device(torch::kCPU)).contiguous();
  // MPI reads the buffer outside the stream that wrote it: wait for the stream first.
  if (on_device) torch::cuda::synchronize(device.index());  // -1: the current device
  comm.sum_in_place(g.data_ptr<float>(), g.numel());
  g = g.div_(comm.size()).to(device);
  std::int64_t offset = 0;
  for (const auto& p : parameters) {
    p.mutable_grad().copy_(g.narrow(0, offset, p.numel()).view_as(p));
    offset += p.numel();
  }
}

}  // namespace irrev::dist
