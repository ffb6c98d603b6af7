#pragma once
/// Configuration of the inversion network (the attacker) and of its training. The defaults
/// are the reference study's (PROTOCOL.md); quick_cpu() is a smaller variant that trains on a
/// 2-core CPU in minutes.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "irrev/core/device.hpp"
#include "irrev/core/enum_names.hpp"

namespace irrev::models {

/// The generator's upsampling: transposed convolutions (the reference) or a linear layer to the
/// first stage, then nearest resize + 3x3 conv per stage (4x faster on CPUs).
enum class GeneratorUpsample { transposed, resize };
/// The identity term: mse of the embeddings (the reference) or cosine (1 - cos).
enum class IdLoss { mse, cosine };
/// Which epoch's weights training keeps (InverterTrainingConfig::keep).
enum class KeepPolicy { last, best, best_rsr };
/// A named starting configuration: quick_cpu() or the reference study's defaults.
enum class InverterPreset { quick_cpu, reference };

struct GeneratorConfig {
  /// Output size of each stage; the first stage starts from the template as a 1x1 map.
  std::vector<int> stage_sizes{4, 8, 16, 30, 58, 112};
  std::vector<int> channels{512, 256, 128, 64, 32, 16};
  int residual_convs = 3;  ///< 3x3 conv + batch norm + ReLU per stage, as a residual
  GeneratorUpsample upsample = GeneratorUpsample::transposed;

  int output_size() const { return stage_sizes.back(); }
  void validate() const;
};

struct InverterTrainingConfig {
  GeneratorConfig generator;
  double mse_weight = 1.0;
  double ssim_weight = 0.1;  ///< times (1 - SSIM)
  double id_weight = 0.005;
  IdLoss id_loss = IdLoss::mse;
  /// Share of each batch whose identity term goes through the extractor (its forward and
  /// backward pass is the dearest part of a CPU step); the batch order is shuffled, so its
  /// first ceil(share x batch) samples are a random subset. 1: every sample.
  double id_share = 1.0;
  bool id_bf16 = false;  ///< the identity pass through the extractor in bf16 autocast
  /// Horizontally mirrored training crops as further training samples, each with its own
  /// template (the mirrored crop re-embedded by the extractor): twice the images, no more people.
  bool flip = false;
  /// Small shifts: one more copy of each training crop (not of the mirrored ones) moved by a
  /// keyed random offset of up to `shift` pixels in each direction at the crop's resolution
  /// (edges repeated), re-embedded like the mirrored crops. 0: none.
  int shift = 0;
  double learning_rate = 1e-3;
  int halve_every = 10;  ///< epochs between learning-rate halvings
  int batch = 32;
  int epochs = 100;
  /// A safety limit, not the amount of work: training stops within a few batches of it, with a
  /// message, keeping what `keep` names so far (0: no limit). The work is `epochs`.
  double max_minutes = 0;
  std::uint64_t seed = 2021;
  double eval_share = 0.25;        ///< share of subjects held out as evaluation identities
  double validation_share = 0.05;  ///< share of training subjects for the validation loss
  Device device;
  bool bf16 = false;  ///< autocast to bfloat16 (CUDA, or CPUs with bf16 units)
  /// "last": the weights after the last epoch; "best": those of the epoch with the lowest
  /// validation loss (MSE + SSIM on held-out faces; it need not be the epoch whose
  /// reconstructions are best recognised); "best-rsr": those of the epoch whose validation
  /// reconstructions are recognised most often (type-I RSR at FMR 1 % with thresholds, else the
  /// mean cosine of the re-embedded reconstructions).
  KeepPolicy keep = KeepPolicy::last;

  /// The strongest attacker 2 CPU cores train in about 10 minutes: 64-px output, channels
  /// 256..16, one residual conv, resize upsampling, bf16; the cosine identity loss through the
  /// extractor on a quarter of each batch; a fixed number of epochs; the epoch whose validation
  /// reconstructions are recognised most often.
  static InverterTrainingConfig quick_cpu();
  static InverterTrainingConfig from_preset(InverterPreset preset) {
    return preset == InverterPreset::quick_cpu ? quick_cpu() : InverterTrainingConfig{};
  }
  /// In the order of the fields above (files and keys hold it so).
  nlohmann::ordered_json to_json() const;
  /// From its value, with the defaults of fields an older version lacked; `where` names the
  /// file in errors.
  static InverterTrainingConfig from_json(const nlohmann::json& j, const std::string& where);
  /// From its text as read from a file (--config).
  static InverterTrainingConfig parse(const std::string& text, const std::string& where);
  void validate() const;

  /// The settings a user sets by name over a preset, each once: its key in a job's
  /// [train_inverter] table (the command-line flag is the key with '-' for '_'), the field and
  /// its help. The job reader and `irrev train-inverter` both walk this list; the generator's
  /// shape and the loss weights come with the preset (or a --config file).
  template <class Visit>
  void each_option(Visit&& visit) {
    visit("epochs", epochs, "Epochs: the amount of work");
    visit("max_minutes", max_minutes,
          "A safety limit: stop within a few batches of this many minutes, keeping what keep names so far (0: none)");
    visit("device", device, "cpu, cuda or cuda:N");
    visit("bf16", bf16, "bfloat16 autocast (CUDA, or CPUs with bf16 units)");
    visit("id_loss", id_loss, "The identity term: mse (the reference) or cosine");
    visit("id_weight", id_weight, "Weight of the identity term (the reference: 0.005 with mse)");
    visit("id_share", id_share, "Share of each batch whose identity term goes through the extractor, in (0, 1]");
    visit("id_bf16", id_bf16, "The identity pass through the extractor in bf16 autocast");
    visit("flip", flip, "Mirrored training crops as further samples");
    visit("shift", shift, "One more copy of each training crop shifted by up to this many pixels (0: none)");
    visit("keep", keep, "The weights kept: last, best (validation loss) or best-rsr (best recognised)");
    visit("batch", batch, "Samples per training step");
    visit("learning_rate", learning_rate, "Adam's learning rate (halved every halve_every epochs)");
    visit("seed", seed, "Seed of the initial weights, the subject split and the batch order");
    visit("eval_share", eval_share, "Share of subjects held out as evaluation identities");
  }
};

}  // namespace irrev::models

template <>
struct irrev::EnumNames<irrev::models::GeneratorUpsample> {
  static constexpr std::string_view what = "generator upsample";
  static constexpr std::array<std::string_view, 2> names{"transposed", "resize"};
};

template <>
struct irrev::EnumNames<irrev::models::IdLoss> {
  static constexpr std::string_view what = "id_loss";
  static constexpr std::array<std::string_view, 2> names{"mse", "cosine"};
};

template <>
struct irrev::EnumNames<irrev::models::InverterPreset> {
  static constexpr std::string_view what = "preset";
  static constexpr std::array<std::string_view, 2> names{"quick-cpu", "reference"};
};

template <>
struct irrev::EnumNames<irrev::models::KeepPolicy> {
  static constexpr std::string_view what = "keep";
  static constexpr std::array<std::string_view, 3> names{"last", "best", "best-rsr"};
};
