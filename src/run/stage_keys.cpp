#include "irrev/run/stage_keys.hpp"

#include <nlohmann/json.hpp>

#include "irrev/pipeline/attack_stage.hpp"

namespace irrev::run {
using nlohmann::json;

std::string ingest_key(const config::JobConfig& job, const config::JobConfig::ImageSource& source,
                       const std::string& pairs, const std::string& genders, const std::string& contents) {
  // Each option's value in its list's order (as the key always held them).
  const auto values = [](auto settings) {
    json out = json::array();
    settings.each_option([&](const char*, const auto& field, const char*) { out.push_back(field); });
    return out;
  };
  return json{{"images", source.images},
              {"layout", name_of(source.layout)},
              {"list", source.list},
              {"limit", source.limit},
              {"contents", contents},
              {"pairs", pairs},
              {"genders", genders},
              {"models", job.models_dir},
              {"detector", values(job.cropper.detector)},
              {"landmarks", values(job.cropper.landmarks)}}
      .dump();
}

std::string embed_key(const std::string& crops_key, const std::string& model_sha256,
                      const models::ExtractorInfo& onnx_info, std::int64_t batch) {
  return json{{"crops", crops_key}, {"model", model_sha256}, {"onnx_info", onnx_info.to_text()}, {"batch", batch}}
      .dump();
}

std::string verify_key(const std::string& templates_key, const pipeline::VerifySettings& settings) {
  return json{{"templates", templates_key},
              {"blocks", settings.blocks},
              {"pairs", name_of(settings.pairs)},
              {"seed", settings.seed}}
      .dump();
}

std::string inverter_key(const std::string& templates_key, const std::string& verify_key,
                         const models::InverterTrainingConfig& config, bool has_train_set,
                         const std::string& train_templates_key) {
  json cfg = config.to_json();
  cfg.erase("max_minutes");
  json key{{"templates", templates_key}, {"verify", verify_key}, {"config", cfg}};
  if (has_train_set) key["training_templates"] = train_templates_key;
  return key.dump();
}

std::string attack_key(const std::string& inverter_key, const pipeline::AttackSettings& job_settings,
                       const pipeline::AttackSettings& run_settings) {
  return json{{"inverter", inverter_key},
              {"plans", job_settings.plans},
              {"selection", job_settings.selection},
              {"settings", pipeline::attack_settings_json(run_settings)}}
      .dump();
}

std::string gender_key(const std::string& templates_key, const std::string& inverter_sha256,
                       const pipeline::GenderSettings& settings, std::uint64_t seed) {
  return json{{"templates", templates_key},    {"inverter", inverter_sha256}, {"blocks", settings.blocks},
              {"max", settings.max_templates}, {"folds", settings.folds},     {"seed", seed}}
      .dump();
}

}  // namespace irrev::run
