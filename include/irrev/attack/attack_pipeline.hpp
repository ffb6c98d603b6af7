#pragma once
/// The per-shard attack (no MPI here): permute the templates' blocks, invert, re-embed,
/// compare with the references, count successes and histogram scores. It runs on the device
/// its models were loaded on; inputs stay there between units.
///
/// Batches are fixed: one batch is `batch` consecutive templates under one permutation, padded
/// to `batch` rows, so a sample's score never depends on how the work was cut into units.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "irrev/attack/attack_plan.hpp"
#include "irrev/attack/attack_tally.hpp"
#include "irrev/attack/forward_settings.hpp"
#include "irrev/attack/joint_model.hpp"
#include "irrev/attack/synthesis_search.hpp"
#include "irrev/attack/unshuffle.hpp"

namespace irrev::models {
class Inverter;
class Extractor;
}  // namespace irrev::models

namespace irrev::attack {

struct AttackInputs {
  int dim = 0;
  std::vector<float> templates;          ///< T x D: attacked templates = type-I references
  std::vector<float> second;             ///< T x D: type-II references (zeros where none)
  std::vector<std::uint8_t> has_second;  ///< T flags
  double threshold_fmr01 = 0, threshold_fmr1 = 0;
  std::int64_t count() const { return dim > 0 ? static_cast<std::int64_t>(templates.size()) / dim : 0; }
};

struct PipelineOptions {
  int batch = 32;
  Precision precision = Precision::fp32;
  /// On CUDA: capture the generator and re-embedding of one batch as a CUDA graph and replay
  /// it (same kernels, same results, fewer launches); ignored on the CPU.
  bool cuda_graph = false;
  /// The generator's stride-2 stages as transposed convolutions rather than their sub-pixel form
  /// (the same sums; the sub-pixel form is what makes oneDNN fast on CPUs).
  bool transposed_upsampling = false;
  /// On CUDA: the generator's convolution + bias + ReLU as one fused cuDNN call each; ignored
  /// on the CPU.
  bool fused_relu = false;
  /// On CUDA: let cuDNN time its algorithms for each shape and keep the fastest. Process-wide,
  /// and the choice depends on timing, so two runs may sum in different orders (last-bit
  /// differences in scores): off unless asked for.
  bool cudnn_benchmark = false;
  /// The generator's and the extractor's activations channels-last (NHWC: what oneDNN and
  /// cuDNN's tensor-core kernels use) or NCHW (where LibTorch has its own depthwise kernels).
  bool channels_last = true;
  bool extractor_channels_last = true;
  /// Block-position models (any block counts the plans use), for the two attacks that recover
  /// the block order first (irrev unshuffle): with `unshuffle`, each protected template is put
  /// back in the order its model finds before it is inverted; with `targeted_max_complexity`
  /// >= 0, templates whose estimated complexity is at most that are counted as selected.
  std::vector<BlockPositionModel> position_models{};
  bool unshuffle = false;
  int targeted_max_complexity = -1;
  /// Recover by the synthesis search over the models' orders, scored through this pipeline's
  /// own networks. A template's search runs once per block count on each rank that meets it (a
  /// recovery does not depend on the permutation) and is composed with every later one.
  bool synthesis = false;
  SynthesisSearch synthesis_search{};
  double synthesis_weight = 1;
  /// Recover by the joint model of the whole template instead (joint_model.hpp), once per
  /// template and block count on each rank, composed like the synthesis search's; with
  /// `synthesis`, the search starts from its orders instead of the position model's.
  std::shared_ptr<const JointTemplateModel> joint_model{};
  int joint_beam = JointTemplateModel::kDefaultBeam;
  /// bf16-checked, bf16-all-checked: a sample whose type-I or type-II score lies within this of
  /// either threshold is computed again in fp32, and its fp32 scores are the ones counted and
  /// binned.
  double recheck_margin = 0;  ///< 0: the precision's own (recheck_margin_for)
};

/// Seconds per batch of each half of the forward pass (AttackPipeline::time_forward).
struct ForwardSeconds {
  double generator = 0, extractor = 0;
};

/// Sets transposed_upsampling.
void set_upsampling(PipelineOptions& options, Upsampling upsampling);
/// Sets channels_last and extractor_channels_last.
void set_layout(PipelineOptions& options, ActivationLayout layout);
/// "generator/extractor", such as "nhwc/nhwc".
std::string layout_name(const PipelineOptions& options);

class AttackPipeline {
 public:
  AttackPipeline(const models::Inverter& inverter, const models::Extractor& extractor, const AttackInputs& inputs,
                 const PipelineOptions& options);
  ~AttackPipeline();
  AttackPipeline(const AttackPipeline&) = delete;
  AttackPipeline& operator=(const AttackPipeline&) = delete;

  /// Plan entries [first, first + entries) x templates [t0, t1); t0 must be a multiple of the batch.
  UnitResult run(const Plan& plan, int plan_index, std::int64_t first, std::int64_t entries, std::int64_t t0,
                 std::int64_t t1) const;

  /// Type-I and type-II cosine scores of templates [t0, t0 + n) under `p` (n <= batch), for
  /// checks and benchmarks: 2 x n values, type I first; with bf16-checked, those near a
  /// threshold are fp32's, as run() counts them.
  std::vector<float> scores(const protect::Permutation& p, std::int64_t t0, std::int64_t n) const;

  /// The re-embedded reconstructions themselves (n x D, L2-normalised), for analyses of what
  /// the reconstructions still carry (gender).
  std::vector<float> embeddings(const protect::Permutation& p, std::int64_t t0, std::int64_t n) const;

  /// Re-embedded reconstructions of any `n` templates (n x D, row-major, on the host), not only
  /// this attack's: what the synthesis search scores its candidate orders with. n x D,
  /// L2-normalised, a batch at a time, each padded to the batch like every other call (same
  /// shapes, same sums).
  std::vector<float> reembed(const float* templates, std::int64_t n) const;

  /// Where a batch's time goes, for benchmarks: the generator and the re-embedding (with its
  /// input conversion) of one batch each, timed eagerly over about `seconds` each.
  ForwardSeconds time_forward(double seconds) const;

  const PipelineOptions& options() const;
  /// What the fp32 recheck did on this pipeline so far (each unit's share is in its
  /// UnitResult); zero unless the precision rechecks.
  RecheckStats recheck_stats() const;
  /// True once the forward pass has been captured and is replayed as a CUDA graph.
  bool cuda_graph_active() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace irrev::attack
