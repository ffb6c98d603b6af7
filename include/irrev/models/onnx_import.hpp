#pragma once
/// Import of an ONNX face-recognition model into a TorchScript module that LibTorch runs on
/// CPU and CUDA and that gradients flow through. The graph is translated node by node into
/// TorchScript source (no converter code from elsewhere); initializers become the module's
/// parameters. Supported operators are listed by supported_onnx_ops(); any other stops the
/// import with the operator's and the node's name.
#include <string>
#include <vector>

#include "irrev/models/extractor_info.hpp"

namespace irrev::models {

/// Import `onnx_path` and save the TorchScript module with its metadata to `out_path`.
/// `info` supplies the name and normalisation; input size, embedding size and the source
/// checksum are filled in from the model. Returns the completed metadata.
ExtractorInfo import_onnx(const std::string& onnx_path, const std::string& out_path, ExtractorInfo info);

std::vector<std::string> supported_onnx_ops();

}  // namespace irrev::models
