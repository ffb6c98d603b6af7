#pragma once
/// The stage keys of `irrev run`: what each stage's output was made from, written into the
/// output ("stage_key") and compared on the next run, which skips a stage whose key is equal.
/// They are the reproducibility contract between runs and versions: one changed byte reruns
/// that stage (and those after it) in every existing run folder, so each key is built here by
/// one pure function and its bytes are pinned by tests/unit/test_stage_keys.cpp.
/// Whatever needs the file system (a folder's fingerprint, a model's checksum) comes in as an
/// argument.
#include <cstdint>
#include <string>

#include "irrev/config/job_config.hpp"
#include "irrev/pipeline/attack_settings.hpp"

namespace irrev::run {

/// A collection's crops: where its images are and what the folder holds (`contents`:
/// data::collection_fingerprint), its pairs and gender lists ([data] only), the models folder
/// and the cropper's settings.
std::string ingest_key(const config::JobConfig& job, const config::JobConfig::ImageSource& source,
                       const std::string& pairs, const std::string& genders, const std::string& contents);

/// An extractor's templates: the crops' key, the model's bytes (`model_sha256`), the ONNX
/// normalisation record and the batch (the embedding's rounding depends on it).
std::string embed_key(const std::string& crops_key, const std::string& model_sha256,
                      const models::ExtractorInfo& onnx_info, std::int64_t batch);

/// Verification: the templates' key and the settings that run (blocks already those D admits).
std::string verify_key(const std::string& templates_key, const pipeline::VerifySettings& settings);

/// The inverter: the templates' and thresholds' keys, the training's settings as they run
/// (less its time limit, which does not change what was trained once trained) and, with a
/// training collection of its own, that collection's templates' key.
std::string inverter_key(const std::string& templates_key, const std::string& verify_key,
                         const models::InverterTrainingConfig& config, bool has_train_set,
                         const std::string& train_templates_key);

/// One attack: the inverter's key, the job's plans and selection and the settings that run
/// (mode and agreed precision set).
std::string attack_key(const std::string& inverter_key, const pipeline::AttackSettings& job_settings,
                       const pipeline::AttackSettings& run_settings);

/// The gender study: the templates' stage key, the inverter's bytes (empty: none), the
/// settings that run and the PE-MIU seed.
std::string gender_key(const std::string& templates_key, const std::string& inverter_sha256,
                       const pipeline::GenderSettings& settings, std::uint64_t seed);

}  // namespace irrev::run
