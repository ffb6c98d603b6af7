#pragma once
// Private: an extractor run in a low-precision type whose convolution biases keep their
// float32 value, for the attack's re-embedding.
#include <torch/script.h>

namespace irrev::models {

/// `module` frozen and rewritten to compute in `dtype` (bf16 or fp16) from its input to its
/// output, which it casts back to float32: every constant tensor in `dtype`, except that each
/// convolution's bias is split in two, its `dtype` rounding (added inside the convolution, in its
/// float32 accumulator) and the remainder that rounding loses (added to the convolution's
/// output, in `dtype`).
///
/// Why the split: an imported extractor's convolutions carry the folded batch normalisation as
/// their bias, a shift that nearly cancels the convolution's sum. Rounded to bf16 it moves the
/// output by up to 2^-9 of the shift, not of the (much smaller) output: on fr_feature that alone
/// moved the re-embedding's cosines by 0.013 on average, more than every other rounding together
/// (bench/extractor_precision). The remainder's own rounding is 2^-9 of 2^-9 of the shift.
torch::jit::Module low_precision_module(const torch::jit::Module& module, at::ScalarType dtype);

}  // namespace irrev::models
