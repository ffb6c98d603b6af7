#pragma once
// Private: autocast (bf16, or fp16 on CUDA) for a scope, on the CPU or CUDA, across LibTorch
// versions (1.13 has per-device setters; 2.4 and later take the device type).
#include <ATen/autocast_mode.h>
#include <torch/types.h>
#include <torch/version.h>

namespace irrev::models {

class AutocastGuard {
 public:
  /// `cache`: keep each weight's cast for the scope. A CUDA graph capture must not (the cached
  /// casts would be freed under the graph), so a captured forward casts inside the graph.
  AutocastGuard(bool enabled, const torch::Device& device, torch::ScalarType dtype = at::kBFloat16, bool cache = true)
      : m_on(enabled), m_type(device.type()) {
    if (!m_on) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(m_type, true);
    at::autocast::set_autocast_dtype(m_type, dtype);
#else
    if (m_type == c10::DeviceType::CPU) {
      at::autocast::set_cpu_enabled(true);
      at::autocast::set_autocast_cpu_dtype(dtype);
    } else {
      at::autocast::set_enabled(true);
      at::autocast::set_autocast_gpu_dtype(dtype);
    }
#endif
    m_cache_was = at::autocast::is_autocast_cache_enabled();
    at::autocast::set_autocast_cache_enabled(cache);
  }
  ~AutocastGuard() {
    if (!m_on) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(m_type, false);
#else
    if (m_type == c10::DeviceType::CPU)
      at::autocast::set_cpu_enabled(false);
    else
      at::autocast::set_enabled(false);
#endif
    at::autocast::clear_cache();
    at::autocast::set_autocast_cache_enabled(m_cache_was);
  }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool m_on;
  bool m_cache_was = true;
  c10::DeviceType m_type;
};

}  // namespace irrev::models
