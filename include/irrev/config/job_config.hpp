#pragma once
/// The typed job configuration that `irrev run JOB.toml` executes, parsed and validated once
/// before any work: an unknown key, a wrong type or a bad value stops with the file, line and
/// key. Relative paths are taken from the current directory; "~" and "${VAR}" are expanded.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "irrev/attack/attack_plan.hpp"
#include "irrev/attack/template_selection.hpp"
#include "irrev/data/image_layouts.hpp"
#include "irrev/models/extractor_info.hpp"
#include "irrev/models/inverter_config.hpp"
#include "irrev/pipeline/attack_settings.hpp"
#include "irrev/pipeline/embed.hpp"
#include "irrev/pipeline/gender_stage.hpp"
#include "irrev/pipeline/ingest.hpp"
#include "irrev/pipeline/verify_pe_miu.hpp"
#include "irrev/vision/face_cropper.hpp"

namespace irrev::config {

struct ExtractorEntry {
  std::string name;                 ///< names the templates file: templates_<name>.h5
  std::string model;                ///< .pt or .onnx; relative names are looked up in the models folder
  models::ExtractorInfo onnx_info;  ///< normalisation when `model` is an .onnx file
};

struct JobConfig {
  std::string source;  ///< the job file
  std::string out_dir = "runs/quickstart";
  /// Where the stages before the attack keep their outputs (crops, templates, verify, the
  /// inverter); empty: out_dir. Sweep tasks share one, each with its own out_dir.
  std::string work_dir;
  const std::string& stage_dir() const { return work_dir.empty() ? out_dir : work_dir; }
  /// Outputs readable by the group (0640 / 0750) instead of the owner only (0600 / 0700).
  bool share_with_group = false;
  // [data]
  std::string images;  ///< the list layout: the base of the list's relative paths (default: its folder)
  data::ImageLayout layout = data::ImageLayout::lfw;
  std::string list;  ///< the list layout's CSV file
  /// Where a collection's images are: [data]'s (data_source()) or [data.train]'s.
  struct ImageSource {
    std::string images;
    data::ImageLayout layout = data::ImageLayout::lfw;
    std::string list;
    std::int64_t limit = 0;
  };
  ImageSource data_source() const { return {images, layout, list, limit}; }
  /// [data.train]: the attacker's own collection (FFHQ, say), as the reference study trains on
  /// one set and evaluates on another: every identity of it trains the inverter, and
  /// verification, the attack and the gender study run on [data]. Unset: the inverter trains on
  /// the training side of [data]'s identity split.
  bool has_train_set = false;
  ImageSource train_set;
  std::string pairs;
  std::string genders;
  std::int64_t limit = 0;
  // [models]
  std::string models_dir;
  // [ingest]
  pipeline::IngestSettings ingest_settings;
  vision::CropperConfig cropper;
  // [embed]
  pipeline::EmbedSettings embed_settings;
  std::vector<ExtractorEntry> extractors;
  // [verify]
  std::vector<pipeline::VerifyProtocol> protocols{pipeline::VerifyProtocol::lfw_view2};
  pipeline::VerifySettings verify_settings;  ///< error-rates
  std::string verify_path(const std::string& extractor) const { return stage_dir() + "/verify_" + extractor + ".h5"; }

  // [train_inverter]: present = the stage runs, one inverter per extractor
  bool train_inverter = false;
  models::InverterPreset inverter_preset = models::InverterPreset::quick_cpu;
  models::InverterTrainingConfig inverter;  ///< the preset with the job's overrides
  int inverter_trainers = 1;                ///< training ranks (data-parallel); pipeline::train_inverter_on_ranks
  std::string inverter_dir(const std::string& extractor) const { return stage_dir() + "/inverter_" + extractor; }

  // [attack]: present = the stage runs, for every extractor
  bool attack = false;
  /// The attack's settings (pipeline::AttackSettings' defaults unless [attack] sets them); the
  /// job runner sets `unshuffle` per mode.
  pipeline::AttackSettings attack_settings;
  /// The attacks run on each extractor's templates, in this order. The job key
  /// `attack.unshuffle = true` means ["unshuffled"].
  std::vector<pipeline::AttackMode> attack_modes{pipeline::AttackMode::plain};
  bool has_mode(pipeline::AttackMode m) const {
    return std::find(attack_modes.begin(), attack_modes.end(), m) != attack_modes.end();
  }
  /// attack_<extractor>.h5 for the plain attack, attack_<extractor>_<mode>.h5 for the others.
  std::string attack_path(const std::string& extractor, pipeline::AttackMode mode = pipeline::AttackMode::plain) const {
    return out_dir + "/" + pipeline::attack_file_name(extractor, mode);
  }
  bool has_protocol(pipeline::VerifyProtocol p) const {
    return std::find(protocols.begin(), protocols.end(), p) != protocols.end();
  }

  // [gender]: present = the stage runs, for every extractor
  bool gender = false;
  pipeline::GenderSettings gender_settings;
  std::string gender_path(const std::string& extractor) const { return out_dir + "/gender_" + extractor + ".json"; }

  std::string crops_path() const { return stage_dir() + "/crops.h5"; }
  std::string templates_path(const std::string& extractor) const {
    return stage_dir() + "/templates_" + extractor + ".h5";
  }
  std::string train_crops_path() const { return stage_dir() + "/crops_train.h5"; }
  std::string train_templates_path(const std::string& extractor) const {
    return stage_dir() + "/templates_train_" + extractor + ".h5";
  }
};

/// What a job's paths become: "~" and "${VAR}" expanded (an unset variable is an error), or
/// left as written, for a reader that opens none of them (irrev estimate).
enum class JobPaths { expanded, as_written };

/// Parse and validate a job file.
JobConfig load_job(const std::string& path, JobPaths paths = JobPaths::expanded);
/// Parse and validate job text; `where` names it in messages.
JobConfig parse_job(const std::string& text, const std::string& where, JobPaths paths = JobPaths::expanded);

/// The folder scripts/setup.sh puts models in: $IRREV_MODELS, else
/// ${XDG_DATA_HOME:-~/.local/share}/irrev/models.
std::string default_models_dir();

/// Expand a leading "~" and every "${VAR}" (an unset variable is an error naming it).
std::string expand_path(const std::string& path, const std::string& where);

}  // namespace irrev::config
