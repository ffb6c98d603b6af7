#pragma once
/// A face-recognition extractor: crops in, L2-normalised embeddings out. Loads a TorchScript
/// file (.pt, with irrev metadata or a "<model>.json" beside it) or an ONNX file (imported in
/// memory). CPU or CUDA. Torch stays behind the pimpl so that users of this header compile fast.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "irrev/core/device.hpp"
#include "irrev/models/extractor_info.hpp"

namespace irrev::models {

class Extractor {
 public:
  /// `device`: the CPU, the current CUDA device or CUDA device N. For an .onnx file, `onnx_info` gives the name and
  /// normalisation (input and embedding size come from the model).
  static std::unique_ptr<Extractor> load(const std::string& path, const Device& device,
                                         const ExtractorInfo& onnx_info = {});
  ~Extractor();

  const ExtractorInfo& info() const;
  int embedding_size() const { return info().embedding_size; }

  /// Embed `n` crops. Crop i is the bytes bgr[i*H*W*3 .. (i+1)*H*W*3), row-major HWC in BGR
  /// order (as crops.h5 stores them). Returns n x D values, row i L2-normalised.
  std::vector<float> embed(const std::uint8_t* bgr, std::int64_t n) const;
  /// The network's raw output for the same input, not normalised (for checks against others).
  std::vector<float> forward_raw(const std::uint8_t* bgr, std::int64_t n) const;

  /// Opaque access for other torch-using modules (the inverter trains through it).
  struct Impl;
  Impl& impl() const { return *m_impl; }

 private:
  explicit Extractor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

/// CUDA devices this LibTorch sees (0 in a CPU-only build).
int cuda_device_count();

/// Threads LibTorch may use in this process (one per rank is the rule under MPI).
void set_torch_threads(int threads);

}  // namespace irrev::models
