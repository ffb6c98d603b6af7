// train-inverter's summary and epoch rows: one struct each, written and read in one place. An
// epoch without validation images keeps its null loss and no cosine; with thresholds the RSR
// figures round-trip; a summary of an earlier version (without the later figures) still reads.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "irrev/pipeline/training_summary.hpp"

using namespace irrev;
using nlohmann::json;

TEST(TrainingSummary, EpochsWithAndWithoutValidationRoundTrip) {
  pipeline::EpochRecord bare{3, 1e-3, 0.25, 12.0, 80.0};
  const json j = bare;
  EXPECT_TRUE(j.at("val_loss").is_null());
  EXPECT_FALSE(j.contains("val_cosine"));
  EXPECT_FALSE(j.get<pipeline::EpochRecord>().val_loss.has_value());
  pipeline::EpochRecord validated = bare;
  validated.val_loss = 0.2;
  validated.val_cosine = 0.61;
  validated.val_rsr_fmr1 = 0.5;
  const auto back = json(validated).get<pipeline::EpochRecord>();
  EXPECT_DOUBLE_EQ(back.val_cosine.value(), 0.61);
  EXPECT_DOUBLE_EQ(back.val_rsr_fmr1.value(), 0.5);
  EXPECT_EQ(back.epoch, 3);
}

TEST(TrainingSummary, RoundTripsAndReadsEarlierVersions) {
  pipeline::TrainingSummary s;
  s.model = "inv/inverter.pt";
  s.epochs = 2;
  s.epochs_planned = 3;
  s.stopped_by = "the time limit (max_minutes = 1) after epoch 2";
  s.kept = "epoch 2 (best validation recognition)";
  s.training_images = 100;
  s.training_samples = 200;
  s.history = {{1, 1e-3, 0.3, 5, 40}, {2, 1e-3, 0.2, 5, 40}};
  s.history[1].val_cosine = 0.5;
  s.evaluation_templates = 16;
  s.type1_rsr = pipeline::FmrPair{0.25, 0.5};
  s.thresholds = pipeline::Thresholds{0.34, 0.25, 1000, "all-vs-all", "verify.h5"};
  const json written = s;
  const auto back = json::parse(written.dump()).get<pipeline::TrainingSummary>();
  EXPECT_EQ(json(back).dump(), written.dump());
  EXPECT_EQ(back.stopped_by.value(), s.stopped_by.value());
  EXPECT_DOUBLE_EQ(back.type1_rsr->fmr_1, 0.5);
  EXPECT_FALSE(back.type2_rsr.has_value());
  json old = written;
  for (const char* later : {"training_samples", "evaluation_with_second_image", "gender_balanced", "stopped_by"})
    old.erase(later);
  const auto earlier = old.get<pipeline::TrainingSummary>();
  EXPECT_EQ(earlier.training_samples, 100);  // no mirrored or shifted crops then
  EXPECT_FALSE(earlier.stopped_by.has_value());
  old.erase("history");
  EXPECT_THROW(old.get<pipeline::TrainingSummary>(), json::exception);
}
