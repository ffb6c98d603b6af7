#pragma once
// Private: bf16 autocast for a scope, on the CPU or CUDA, across LibTorch versions (1.13 has
// per-device setters; 2.4 and later take the device type).
#include <ATen/autocast_mode.h>
#include <torch/torch.h>
#include <torch/version.h>

namespace irrev::models {

class AutocastGuard {
 public:
  AutocastGuard(bool enabled, const torch::Device& device) : m_on(enabled), m_type(device.type()) {
    if (!m_on) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(m_type, true);
    at::autocast::set_autocast_dtype(m_type, at::kBFloat16);
#else
    if (m_type == c10::DeviceType::CPU) {
      at::autocast::set_cpu_enabled(true);
      at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    } else {
      at::autocast::set_enabled(true);
      at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    }
#endif
  }
  ~AutocastGuard() {
    if (!m_on) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(m_type, false);
#else
    if (m_type == c10::DeviceType::CPU) at::autocast::set_cpu_enabled(false);
    else at::autocast::set_enabled(false);
#endif
    at::autocast::clear_cache();
  }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool m_on;
  c10::DeviceType m_type;
};

}  // namespace irrev::models
