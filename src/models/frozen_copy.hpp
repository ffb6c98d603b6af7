#pragma once
// Private to models/: every inference variant of a network (optimised, low precision, oneDNN)
// is rewritten from a copy in evaluation mode, so the module that trains and exports stays as
// it was imported.
#include <torch/script.h>

namespace irrev::models {

/// A copy of `module` in evaluation mode (what optimize_for_inference takes).
inline torch::jit::Module eval_copy(const torch::jit::Module& module) {
  auto copy = module.clone();
  copy.eval();
  return copy;
}

/// The same, frozen: parameters become constants a graph rewrite can read and replace.
inline torch::jit::Module frozen_copy(const torch::jit::Module& module) {
  return torch::jit::freeze(eval_copy(module));
}

}  // namespace irrev::models
