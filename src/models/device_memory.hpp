#pragma once
// Private: how much memory a device has, for what may live on it.
#include <torch/types.h>

#ifdef IRREV_TORCH_CUDA
#include <ATen/cuda/CUDAContext.h>
#endif

namespace irrev::models {

/// The CUDA card's total memory in bytes (0 for the CPU, or without CUDA in this LibTorch).
inline double device_memory_bytes(const torch::Device& device) {
#ifdef IRREV_TORCH_CUDA
  if (device.is_cuda()) {
    const auto* p =
        device.has_index() ? at::cuda::getDeviceProperties(device.index()) : at::cuda::getCurrentDeviceProperties();
    return static_cast<double>(p->totalGlobalMem);
  }
#endif
  (void)device;
  return 0;
}

}  // namespace irrev::models
