#include "irrev/pipeline/training_summary.hpp"

#include <cmath>

#include "irrev/core/json_number.hpp"

namespace irrev::pipeline {
using nlohmann::json;

namespace {
std::optional<double> optional_number(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return j[key].get<double>();
}

json fmr_pair(const FmrPair& p) { return {{"fmr0.001", p.fmr_0_1}, {"fmr0.01", p.fmr_1}}; }
FmrPair fmr_pair(const json& j) { return {json_number(j.at("fmr0.001")), json_number(j.at("fmr0.01"))}; }
}  // namespace

void to_json(json& j, const EpochRecord& e) {
  j = {{"epoch", e.epoch},           {"lr", e.lr},
       {"train_loss", e.train_loss}, {"val_loss", e.val_loss ? json(*e.val_loss) : json(nullptr)},
       {"seconds", e.seconds},       {"samples_per_second", e.samples_per_second}};
  if (e.val_cosine) j["val_cosine"] = *e.val_cosine;
  if (e.val_rsr_fmr1) j["val_rsr_fmr1"] = *e.val_rsr_fmr1;
}

void from_json(const json& j, EpochRecord& e) {
  e.epoch = j.at("epoch").get<int>();
  e.lr = json_number(j.at("lr"));
  e.train_loss = json_number(j.at("train_loss"));
  e.seconds = json_number(j.at("seconds"));
  e.samples_per_second = json_number(j.at("samples_per_second"));
  e.val_loss = optional_number(j, "val_loss");
  e.val_cosine = optional_number(j, "val_cosine");
  e.val_rsr_fmr1 = optional_number(j, "val_rsr_fmr1");
}

void to_json(json& j, const TrainingSummary& s) {
  j = {{"model", s.model},
       {"epochs", s.epochs},
       {"epochs_planned", s.epochs_planned},
       {"stopped_by", s.stopped_by ? json(*s.stopped_by) : json(nullptr)},
       {"kept", s.kept},
       {"training_images", s.training_images},
       {"training_samples", s.training_samples},
       {"validation_images", s.validation_images},
       {"training_identities", s.training_identities},
       {"minutes", s.minutes},
       {"history", s.history},
       {"evaluation_templates", s.evaluation_templates},
       {"evaluation_with_second_image", s.evaluation_with_second_image},
       {"gender_balanced", s.gender_balanced},
       {"mean_type1_score", s.mean_type1_score}};
  if (s.type1_rsr) j["type1_rsr"] = fmr_pair(*s.type1_rsr);
  if (s.type2_rsr) j["type2_rsr"] = fmr_pair(*s.type2_rsr);
  if (s.thresholds)
    j["thresholds"] = {
        {"fmr0.001", s.thresholds->fmr_0_1}, {"fmr0.01", s.thresholds->fmr_1}, {"source", s.thresholds->source}};
}

void from_json(const json& j, TrainingSummary& s) {
  // What every version wrote is required; figures added later keep their defaults when absent.
  s = TrainingSummary{};
  s.model = j.at("model").get<std::string>();
  s.epochs = j.at("epochs").get<int>();
  s.epochs_planned = j.value("epochs_planned", s.epochs);
  if (j.contains("stopped_by") && !j["stopped_by"].is_null()) s.stopped_by = j["stopped_by"].get<std::string>();
  s.kept = j.value("kept", "last epoch");
  s.training_images = j.at("training_images").get<std::int64_t>();
  s.training_samples = j.value("training_samples", s.training_images);  // before mirrored and shifted crops
  s.validation_images = j.value("validation_images", std::int64_t{0});
  s.training_identities = j.value("training_identities", std::int64_t{0});
  if (j.contains("minutes")) s.minutes = json_number(j["minutes"]);
  s.history = j.at("history").get<std::vector<EpochRecord>>();
  s.evaluation_templates = j.value("evaluation_templates", std::int64_t{0});
  s.evaluation_with_second_image = j.value("evaluation_with_second_image", std::int64_t{0});
  s.gender_balanced = j.value("gender_balanced", false);
  if (j.contains("mean_type1_score")) s.mean_type1_score = json_number(j["mean_type1_score"]);
  if (j.contains("type1_rsr")) s.type1_rsr = fmr_pair(j["type1_rsr"]);
  if (j.contains("type2_rsr")) s.type2_rsr = fmr_pair(j["type2_rsr"]);
  if (j.contains("thresholds")) {
    const auto& t = j["thresholds"];
    s.thresholds = Thresholds{};
    s.thresholds->fmr_0_1 = t.at("fmr0.001").get<double>();
    s.thresholds->fmr_1 = t.at("fmr0.01").get<double>();
    s.thresholds->source = t.at("source").get<std::string>();
  }
}

}  // namespace irrev::pipeline
