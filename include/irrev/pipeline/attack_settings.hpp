#pragma once
/// What an attack does, apart from the files it reads and writes: one struct that `irrev
/// attack`'s options and a job file's [attack] table both fill. Each default is written here
/// once, each check once in validate().
#include <cstdint>
#include <string>
#include <vector>

#include "irrev/attack/attack_plan.hpp"
#include "irrev/attack/forward_settings.hpp"
#include "irrev/attack/unshuffle.hpp"
#include "irrev/attack/template_selection.hpp"

namespace irrev::pipeline {

/// plain inverts the protected template as it is; unshuffled first puts its blocks back in the
/// order a block-position model finds (no second sample).
enum class AttackMode { plain, unshuffled };

struct AttackSettings {
  std::vector<attack::PlanSpec> plans;
  attack::SelectionSpec selection;
  std::int64_t templates_per_unit = 64;  ///< a multiple of batch
  std::int64_t entries_per_unit = 4;     ///< permutations per unit
  int batch = 32;
  std::string device = "cpu";            ///< "cuda": worker w takes GPU (local rank - 1) mod count
  attack::Precision precision = attack::Precision::fp32;
  bool cuda_graph = false;               ///< replay each batch's forward as a CUDA graph (cuda only)
  attack::Upsampling upsampling = attack::Upsampling::subpixel;
  bool fused_relu = false;               ///< cuDNN's fused convolution + bias + ReLU (cuda only)
  attack::ActivationLayout layout = attack::ActivationLayout::nhwc;
  /// cuDNN's timed algorithm choice (cuda only): faster perhaps, but scores may differ in the
  /// last bits between ranks and runs.
  bool cudnn_benchmark = false;
  /// Recover the block order first (a block-position model fitted on the templates of the
  /// inverter's training identities), then invert: the attack without a second sample.
  bool unshuffle = false;
  attack::UnshuffleModel unshuffle_model = attack::UnshuffleModel::diagonal;
  /// >= 0: also count the targeted attack that selects templates estimated at this complexity or below.
  int targeted_max_complexity = -1;
  double checkpoint_seconds = 60;
  /// A work unit not returned within this multiple of the mean unit time (at least 10 s) goes
  /// to another worker, and its rank is reported as stalled; 0: wait for ever.
  double unit_deadline_factor = 10;

  /// Throws irrev::Error naming `where` (a job file, or the command line) for a value out of range.
  void validate(const std::string& where) const;
};

}  // namespace irrev::pipeline

template <>
struct irrev::EnumNames<irrev::pipeline::AttackMode> {
  static constexpr std::string_view what = "attack mode";
  static constexpr std::array<std::string_view, 2> names{"plain", "unshuffled"};
};
