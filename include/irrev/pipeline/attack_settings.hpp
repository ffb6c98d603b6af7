#pragma once
/// What an attack does, apart from the files it reads and writes: one struct that `irrev
/// attack`'s options and a job file's [attack] table both fill. Each default is written here
/// once, each check once in validate().
#include <cstdint>
#include <string>
#include <vector>

#include "irrev/attack/attack_plan.hpp"
#include "irrev/attack/forward_settings.hpp"
#include "irrev/attack/synthesis_search.hpp"
#include "irrev/attack/template_selection.hpp"
#include "irrev/attack/unshuffle.hpp"
#include "irrev/core/device.hpp"
#include "irrev/pipeline/attack_mode.hpp"

namespace irrev::pipeline {

struct AttackSettings {
  /// Key of the plans' random draws and of the template subset: key_draws() hands it to each
  /// plan and to the selection, whose own seeds are what the attack reads.
  std::uint64_t seed = 2021;
  std::vector<attack::PlanSpec> plans;
  attack::SelectionSpec selection;
  std::int64_t templates_per_unit = 64;  ///< a multiple of batch
  std::int64_t entries_per_unit = 4;     ///< permutations per unit
  int batch = 32;
  Device device;  ///< "cuda": worker w of a node takes GPU w mod the GPUs it sees
  attack::Precision precision = attack::Precision::automatic;
  /// bf16-checked, bf16-all-checked: samples with a score this close to a threshold are
  /// computed again in fp32; 0: the precision's own (attack::recheck_margin_for).
  double recheck_margin = 0;
  double effective_recheck_margin() const { return attack::recheck_margin_for(precision, recheck_margin); }
  bool cuda_graph = false;  ///< replay each batch's forward as a CUDA graph (cuda only)
  attack::Upsampling upsampling = attack::Upsampling::subpixel;
  bool fused_relu = false;  ///< cuDNN's fused convolution + bias + ReLU (cuda only)
  attack::ActivationLayout layout = attack::ActivationLayout::nhwc;
  /// cuDNN's timed algorithm choice (cuda only): faster perhaps, but scores may differ in the
  /// last bits between ranks and runs.
  bool cudnn_benchmark = false;
  /// Recover the block order first (a block-position model fitted on the templates of the
  /// inverter's training identities), then invert: the attack without a second sample.
  bool unshuffle = false;
  attack::UnshuffleModel unshuffle_model = attack::UnshuffleModel::diagonal;
  /// With unshuffle_model = synthesis: the search (synthesis_search.hpp) and the weight of the
  /// model's log-likelihood in its rule (`irrev unshuffle --method synthesis` fits it on the
  /// inverter's validation identities and prints it as `weight`).
  int synthesis_candidates = 64;
  int synthesis_exchange_rounds = 8;
  int synthesis_climb_starts = 1;
  double synthesis_weight = 1;
  attack::SynthesisProposals synthesis_proposals = attack::SynthesisProposals::joint;
  /// With unshuffle_model = joint (or synthesis from the joint model's orders): the beam's width over positions beyond
  /// 8 blocks (joint_model.hpp; up to 8 blocks every order is scored).
  int joint_beam = 64;
  /// >= 0: also count the targeted attack that selects templates estimated at this complexity or below.
  int targeted_max_complexity = -1;
  double checkpoint_seconds = 60;
  /// A work unit not returned within this multiple of the mean unit time (at least 10 s) goes
  /// to another worker, and its rank is reported as stalled; 0: wait for ever.
  double unit_deadline_factor = 10;
  /// A worker gets as many consecutive units at once as take it about this long (measured on
  /// its last ones), merges their counts and sends one result: rank 0's load per sample falls
  /// as workers get faster (docs/scaling.md). 0: one unit at a time. Not part of any key: the
  /// counts are the same sums whatever the grants.
  double grant_seconds = 1;
  /// Key of the work units' shuffled order. A job stopped part-way has finished a uniform sample
  /// of each plan's permutations and of the template shards under any key, and the final
  /// counts do not depend on it; a second key gives a second, independent partial sample. Part
  /// of the checkpoint's key (its finished units are numbered in this order).
  std::uint64_t unit_order_seed = 0x756e6974;  // "unit"

  /// Hand `seed` to the plans and the selection; both fronts call it once every option is read
  /// (the options come in any order).
  void key_draws();
  /// Throws irrev::Error naming `where` (a job file, or the command line) for a value out of
  /// range, and an internal error where the plans or the selection do not carry `seed`.
  void validate(const std::string& where) const;
  /// Whether the recovery needs the joint model: its own recovery, or the synthesis search's
  /// proposals.
  bool uses_joint_model() const {
    return unshuffle_model == attack::UnshuffleModel::joint ||
           (unshuffle_model == attack::UnshuffleModel::synthesis &&
            synthesis_proposals == attack::SynthesisProposals::joint);
  }
  /// Whether the recovery reads the full-covariance position model (else the diagonal one, or
  /// where the joint model recovers, none: its block count alone is read).
  bool uses_full_position_model() const {
    return unshuffle_model == attack::UnshuffleModel::full || (unshuffle_model == attack::UnshuffleModel::synthesis &&
                                                               synthesis_proposals == attack::SynthesisProposals::full);
  }

  /// The settings a user sets by name, each once: its key in a job's [attack] table (the
  /// command-line flag is the key with '-' for '_': --templates-per-unit), the field, and its
  /// help. The job reader (config/job_config.cpp) and `irrev attack` (app/cmd_attack.cpp) both
  /// walk this list; `visit(key, field, help)` is called for each. Which attacks a job runs
  /// (plain, unshuffled) is the job's choice (JobConfig::attack_modes), not a setting of one.
  template <class Visit>
  void each_option(Visit&& visit) {
    visit("plans", plans,
          "BLOCKS:KIND[:N], a list (repeatable --plan): 8:exhaustive, 8:stratified:16, 16:uniform:5000, "
          "8:fixed-seed");
    visit("seed", seed, "Key of the plans' random draws and of the template subset");
    visit("max_templates", selection.max_templates, "Attack at most this many templates (0: all)");
    visit("subjects", selection.subjects,
          "evaluation (the identities the inverter never trained on) or all (every subject)");
    visit("gender_balanced", selection.gender_balanced, "As many female as male subjects (unlabelled ones left out)");
    visit("batch", batch, "Templates per forward pass");
    visit("templates_per_unit", templates_per_unit, "Templates per work unit (a multiple of the batch)");
    visit("permutations_per_unit", entries_per_unit, "Permutations per work unit");
    visit("device", device, "cpu, cuda (worker w of a node takes GPU w mod the GPUs it sees) or cuda:N");
    visit("precision", precision,
          "fp32, bf16 (generator) or bf16-all (generator and re-embedding); bf16-checked, bf16-all-checked: the "
          "same, and every sample with a score within recheck_margin of a threshold again in fp32 (fp32's "
          "decisions); fp16, fp16-all on CUDA; auto: the fastest that kept the accuracy guard on this device "
          "(CUDA: bf16; a CPU with bf16 units: bf16-checked; else fp32)");
    visit("recheck_margin", recheck_margin,
          "bf16-checked, bf16-all-checked: a sample whose score lies this close to a threshold is computed again "
          "in fp32 (0: the precision's own, 0.02 and 0.05)");
    visit("cuda_graph", cuda_graph, "On CUDA, replay each batch's forward pass as a CUDA graph");
    visit("upsampling", upsampling,
          "The generator's stride-2 stages: subpixel (fast with oneDNN) or transposed "
          "(cuDNN's own)");
    visit("fused_relu", fused_relu, "On CUDA, cuDNN's fused convolution + bias + ReLU in the generator");
    visit("layout", layout, "Activation layouts: nhwc, nchw, or GENERATOR/EXTRACTOR such as nhwc/nchw");
    visit("cudnn_benchmark", cudnn_benchmark,
          "On CUDA, let cuDNN time its algorithms (scores may then differ in the last bits between runs)");
    visit("unshuffle_model", unshuffle_model,
          "The recovery: diagonal (per-value means and spreads), full (a covariance per position), joint (one "
          "Gaussian over the whole template: the correlations between blocks) or synthesis");
    visit("synthesis_candidates", synthesis_candidates,
          "unshuffle_model synthesis: the full model's K most likely orders scored per template");
    visit("synthesis_exchange_rounds", synthesis_exchange_rounds,
          "unshuffle_model synthesis: then rounds of hill climbing over exchanges of two blocks");
    visit("synthesis_climb_starts", synthesis_climb_starts,
          "unshuffle_model synthesis: climbs from this many of the model's candidates");
    visit("synthesis_proposals", synthesis_proposals,
          "unshuffle_model synthesis: whose most likely orders it starts from, joint (the whole template) or full");
    visit("synthesis_weight", synthesis_weight,
          "unshuffle_model synthesis: the log-likelihood's weight (irrev unshuffle --method synthesis fits it)");
    visit("joint_beam", joint_beam, "unshuffle_model joint: the beam search's width over positions beyond 8 blocks");
    visit("targeted", targeted_max_complexity,
          "Also count the targeted attack on templates estimated at this complexity or below (-1: none)");
    visit("checkpoint_seconds", checkpoint_seconds, "Seconds between checkpoints");
    visit("unit_deadline_factor", unit_deadline_factor,
          "A unit not back within this many times the mean unit time (at least 10 s) goes to another worker "
          "(0: no deadline)");
    visit("grant_seconds", grant_seconds,
          "Hand a worker as many units at once as take it about this many seconds, their counts merged into one "
          "result (0: one unit at a time; the counts do not depend on it)");
    visit("unit_order_seed", unit_order_seed,
          "Key of the work units' shuffled order (the final counts do not "
          "depend on it)");
  }
};

}  // namespace irrev::pipeline
