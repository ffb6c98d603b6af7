#pragma once
// Private: the ONNX -> TorchScript translation, shared by import_onnx() and the Extractor's
// direct loading of .onnx files. Includes torch: keep it out of public headers.
#include <torch/script.h>

#include <string>

#include "irrev/models/extractor_info.hpp"

namespace irrev::models::detail {

/// Translate the ONNX model at `onnx_path` into a TorchScript module. Fills info's input size.
torch::jit::Module onnx_to_torchscript(const std::string& onnx_path, ExtractorInfo& info);

}  // namespace irrev::models::detail
