#pragma once
/// What train-inverter reports: each epoch's figures (losses.csv, the checkpoint, the summary)
/// and the summary of the whole training with its final evaluation, converted to and from JSON
/// in one place (training_summary.cpp).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "irrev/pipeline/thresholds.hpp"

namespace irrev::pipeline {

struct EpochRecord {
  int epoch = 0;  ///< 1-based
  double lr = 0, train_loss = 0, seconds = 0, samples_per_second = 0;
  /// On the validation images, where there are any: the loss (JSON null otherwise), the mean
  /// cosine of the re-embedded reconstructions, and their type-I RSR at FMR 1 % (where
  /// thresholds were given).
  std::optional<double> val_loss, val_cosine, val_rsr_fmr1;
};

/// A rate at FMR 0.1 % and at 1 %.
struct FmrPair {
  double fmr_0_1 = 0, fmr_1 = 0;
};

struct TrainingSummary {
  std::string model;  ///< inverter.pt
  int epochs = 0, epochs_planned = 0;
  std::optional<std::string> stopped_by;  ///< the time limit, when it stopped the training
  std::string kept;                       ///< "last epoch", or "epoch N (why)"
  std::int64_t training_images = 0, training_samples = 0, validation_images = 0, training_identities = 0;
  double minutes = 0;
  std::vector<EpochRecord> history;
  /// The final evaluation, on the evaluation identities' templates.
  std::int64_t evaluation_templates = 0, evaluation_with_second_image = 0;
  bool gender_balanced = false;
  double mean_type1_score = 0;
  /// With thresholds: type-I and type-II RSR of the reconstructions, and the thresholds (their
  /// impostor count and pairs are not recorded).
  std::optional<FmrPair> type1_rsr, type2_rsr;
  std::optional<Thresholds> thresholds;
};

void to_json(nlohmann::json& j, const EpochRecord& e);
void from_json(const nlohmann::json& j, EpochRecord& e);
void to_json(nlohmann::json& j, const TrainingSummary& s);
void from_json(const nlohmann::json& j, TrainingSummary& s);

}  // namespace irrev::pipeline
