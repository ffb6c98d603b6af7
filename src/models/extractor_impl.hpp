#pragma once
// Private: what an Extractor holds, for torch-using code of the engine.
#include <torch/script.h>

#include <optional>

#include "irrev/models/extractor.hpp"

namespace irrev::models {

struct Extractor::Impl {
  torch::jit::Module module;  ///< the network as imported: differentiable, trainable
  /// Frozen and optimised for inference (oneDNN layouts kept between layers on the CPU);
  /// what embed() runs. Built on first use.
  mutable std::optional<torch::jit::Module> inference;
  /// Frozen and in a low-precision type (low_precision.hpp): what a low-precision re-embedding
  /// runs. Built on first use, again if another type is asked.
  mutable std::optional<torch::jit::Module> low;
  mutable at::ScalarType low_dtype = at::kFloat;
  /// Frozen with every convolution in oneDNN (onednn_module.hpp): what small float32 batches
  /// run on the CPU. Built on first use.
  mutable std::optional<torch::jit::Module> onednn;
  ExtractorInfo info;
  torch::Device device{torch::kCPU};
  /// from_rgb's per-channel mean and spread, kept on the device in the input's type: rebuilding
  /// them per call copies from the host every batch, which stalls a CUDA stream and which a
  /// CUDA graph cannot capture.
  mutable torch::Tensor rgb_mean, rgb_std;

  /// uint8 HWC BGR crops -> the network's normalised NCHW float input, on the device.
  torch::Tensor preprocess(const std::uint8_t* bgr, std::int64_t n) const;
  /// RGB images in [0, 1] (N x 3 x S x S, any S) -> the network's normalised input at its own
  /// size (bilinear resize), differentiably: how reconstructions are re-embedded.
  torch::Tensor from_rgb(const torch::Tensor& rgb) const;
  /// The network on an already normalised batch (differentiable).
  torch::Tensor forward(const torch::Tensor& input) const;
  /// The same through the frozen inference module (no gradients); a float32 batch of fewer than
  /// kOneDnnFromBatch images on the CPU through the oneDNN module instead.
  torch::Tensor infer(const torch::Tensor& input) const;
  /// LibTorch 1.13 calls oneDNN for a float32 1x1 convolution on one thread from this batch size.
  static constexpr std::int64_t kOneDnnFromBatch = 16;
  /// The same through the low-precision module (no gradients): float32 in and out.
  torch::Tensor infer_low(const torch::Tensor& input, at::ScalarType dtype) const;
  /// The same through the oneDNN module (no gradients; CPU, float32): fast at any batch size.
  torch::Tensor infer_onednn(const torch::Tensor& input) const;
};

/// The device in LibTorch's terms, checked against the devices this LibTorch sees.
torch::Device torch_device(const Device& device);

}  // namespace irrev::models
