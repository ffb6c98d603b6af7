#pragma once
// Private: an extractor whose convolutions always run in oneDNN, for small fp32 batches.
#include <torch/script.h>

namespace irrev::models {

/// `module` frozen, with every 2-D convolution called as aten::mkldnn_convolution (float32, the
/// same sums as oneDNN computes them for larger batches). Why: LibTorch 1.13 sends a float32 1x1
/// convolution of fewer than 16 images on one thread to its own im2col + BLAS path, and
/// Debian's generic BLAS makes that ~15x slower per image (fr_feature: 64 ms per image at
/// batches of 1 to 8, 4.3 ms at 16, on the 2-core EPYC): the attack's fp32 recheck runs
/// batches that small.
torch::jit::Module onednn_module(const torch::jit::Module& module);

}  // namespace irrev::models
