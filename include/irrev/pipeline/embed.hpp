#pragma once
/// Stage 2: crops.h5 + an extractor -> templates.h5 (N x D float32, L2-normalised, with the
/// image tables, pairs and the extractor's metadata). Units of `batch` crops are sharded over
/// ranks; a unit is always one batch, so the numbers do not depend on the rank count.
#include <cstdint>
#include <string>

#include "irrev/core/device.hpp"
#include "irrev/models/extractor_info.hpp"

namespace irrev::dist {
class Communicator;
}

namespace irrev::pipeline {

/// How embed runs, apart from its files: one struct that `irrev embed`'s options and a job's
/// [embed] table both fill, each option listed once.
struct EmbedSettings {
  Device device;            ///< cpu, cuda or cuda:N (a job's gender study reconstructs there too)
  std::int64_t batch = 16;  ///< crops per batch and per work unit

  /// Throws an InputError naming `where` for a value out of range.
  void validate(const std::string& where) const;
  template <class Visit>
  void each_option(Visit&& visit) {
    visit("device", device, "cpu, cuda or cuda:N");
    visit("batch", batch, "Crops per batch (and per work unit)");
  }
};

struct EmbedOptions {
  /// Set by `irrev run`: the stage key (what the result depends on), written into the output
  /// before it takes its final name, never into a committed file.
  std::string stage_key;
  std::string crops;
  std::string model;  ///< .pt (TorchScript with metadata) or .onnx
  std::string out;
  EmbedSettings settings;
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
