#pragma once
/// Stage 2: crops.h5 + an extractor -> templates.h5 (N x D float32, L2-normalised, with the
/// image tables, pairs and the extractor's metadata). Units of `batch` crops are sharded over
/// ranks; a unit is always one batch, so the numbers do not depend on the rank count.
#include <cstdint>
#include <string>

#include "irrev/models/extractor_info.hpp"

namespace irrev::dist {
class Communicator;
}

namespace irrev::pipeline {

struct EmbedOptions {
  std::string crops;
  std::string model;  ///< .pt (TorchScript with metadata) or .onnx
  std::string out;
  std::string device = "cpu";
  std::int64_t batch = 16;
  models::ExtractorInfo onnx_info;  ///< normalisation for an .onnx model
  bool progress = true;
};

struct EmbedSummary {
  std::int64_t templates = 0;
  int dim = 0;
  std::string model;
};

EmbedSummary run_embed(const dist::Communicator& comm, const EmbedOptions& options);

}  // namespace irrev::pipeline
