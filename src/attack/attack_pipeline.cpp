#include "irrev/attack/attack_pipeline.hpp"

#include <torch/cuda.h>
#include <torch/types.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <optional>

#ifdef IRREV_TORCH_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

#include "../models/autocast.hpp"
#include "../models/extractor_impl.hpp"
#include "../models/inverter_impl.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/models/inverter.hpp"
#include "irrev/protect/pe_miu.hpp"
#include "score_bins.hpp"

namespace irrev::attack {

#ifdef IRREV_TORCH_CUDA
/// The generator and the re-embedding of one fixed-shape batch, captured once as a CUDA graph
/// and replayed: one launch instead of a hundred-odd kernel launches per batch.
struct ForwardGraph {
  at::cuda::CUDAGraph graph;
  torch::Tensor in, out;  ///< static buffers the graph reads and writes
};
#endif

/// Samples of a unit waiting for their fp32 recheck (bf16-checked), computed together in
/// batches of kRecheckRows.
struct RecheckQueue {
  std::vector<torch::Tensor> inputs;  ///< k x D arranged templates, per queued batch
  std::vector<torch::Tensor> rows;    ///< their k template rows (for the references)
  /// The batch's 2 x n float64 scores and the k columns of them to overwrite.
  std::vector<std::pair<torch::Tensor, torch::Tensor>> targets;
  std::int64_t size = 0;  ///< samples queued, not yet rechecked
  RecheckStats done;      ///< what this queue's rechecks did, over all its flushes

  void clear_pending() {
    inputs.clear();
    rows.clear();
    targets.clear();
    size = 0;
  }
};

/// The recheck's batch: always this many rows (the last padded with zero templates), so that a
/// sample's fp32 score never depends on which others were rechecked with it (nor on how the
/// work was cut into units). Small, because a unit pays for its last, padded recheck batch: with
/// 16 rows, rechecking 1.6 % of the samples cost bf16-all-checked a third of its speed, with 4
/// rows 7 % (bench/RESULTS.md). oneDNN sums a batch of another size in another order, so a
/// rechecked score may differ from the fp32 attack's in its last bits (as fp32 does between
/// processors): a decision can differ from fp32's only where a score ties a threshold.
constexpr std::int64_t kRecheckRows = 4;

struct AttackPipeline::Impl {
  const models::Inverter::Impl* inverter = nullptr;
  /// The inverter's folded generator, in the pipeline's precision (bf16 weights for bf16).
  std::optional<models::FoldedGenerator> generator;
  const models::Extractor::Impl* extractor = nullptr;
  PipelineOptions options;
  torch::Device device{torch::kCPU};
  torch::Tensor templates, second, has_second;  // on the device
  std::vector<float> host_templates;            // for the block-order recovery, on the host
  torch::Tensor thresholds;                     // {FMR 0.1 %, FMR 1 %}, float64, on the device
  std::int64_t count = 0;
  int dim = 0;
  torch::ScalarType generator_dtype = torch::kFloat32;
  /// The re-embedding in the generator's type too ("-all"): on the CPU the low-precision module
  /// (biases kept whole: models/low_precision.hpp), on CUDA autocast (the module is not measured
  /// on a GPU yet).
  bool low_extractor = false;
  /// bf16-checked: the generator in fp32 for the recheck, and what the recheck did so far (the
  /// sum of every queue's).
  std::optional<models::FoldedGenerator> exact_generator;
  mutable RecheckStats recheck;
#ifdef IRREV_TORCH_CUDA
  mutable std::unique_ptr<ForwardGraph> graph;
  mutable bool graph_failed = false;
#endif
  /// The unshuffled attack: scores of batches (first row, rows) by their recovered rows. The
  /// recovery reads the blocks' contents, not where PE-MIU put them, so every permutation of a
  /// template comes back in the same order: the scores of a batch are computed once and every
  /// later plan entry (of any unit on this rank) that recovers the same rows takes them.
  mutable std::map<std::pair<std::int64_t, std::int64_t>, std::vector<std::pair<torch::Tensor, torch::Tensor>>>
      recovered_scores;
  /// The synthesis search's or the joint model's placement of each (template, block count),
  /// made once on this rank.
  mutable std::map<std::pair<std::int64_t, int>, Placement> searched_placements;
  const AttackPipeline* self = nullptr;  ///< the search scores its candidates through the public calls

  /// Scores (2 x n, float64) of the batch at b0 under gather columns `cols`, reused when the
  /// unshuffled attack recovered these rows before. Samples near a threshold are queued on `q` for the fp32 recheck,
  /// which overwrites their scores in place (in the cache too: the same tensor).
  torch::Tensor batch_scores(std::int64_t b0, std::int64_t n, const torch::Tensor& cols, RecheckQueue& q) const {
    auto fresh = [&] {
      const auto z = arranged(templates.narrow(0, b0, n), cols);
      auto s = scores_of(embed_padded(z), b0, n).to(torch::kFloat64);
      queue_near(s, z, b0, n, q);
      return s;
    };
    if (!options.unshuffle) return fresh();
    constexpr std::size_t kVariants = 4;  // recovered orders kept per batch (ties are rare)
    auto& seen = recovered_scores[{b0, n}];
    for (const auto& [c, s] : seen)
      if (torch::equal(c, cols)) return s;
    auto s = fresh();
    if (seen.size() < kVariants) seen.emplace_back(cols, s);
    return s;
  }

  /// Which of the 2 x n scores of templates [b0, b0 + n) exist: every type I, type II where the
  /// subject has a second image.
  torch::Tensor valid_scores(std::int64_t b0, std::int64_t n) const {
    return torch::stack({torch::ones({n}, has_second.options()), has_second.narrow(0, b0, n)});
  }

  /// bf16-checked: queue the samples among `s` (2 x n float64 scores of templates [b0, b0 + n),
  /// arranged as `z`) with a score within the margin of either threshold.
  void queue_near(const torch::Tensor& s, const torch::Tensor& z, std::int64_t b0, std::int64_t n,
                  RecheckQueue& q) const {
    if (!exact_generator) return;
    q.done.scored += n;
    auto near = (s.unsqueeze(1) - thresholds.view({1, 2, 1})).abs().lt(options.recheck_margin).any(1);  // 2 x n
    const auto idx = near.logical_and(valid_scores(b0, n)).any(0).nonzero().flatten();
    if (idx.numel() == 0) return;
    q.inputs.push_back(z.index_select(0, idx));
    q.rows.push_back(idx + b0);
    q.targets.emplace_back(s, idx);
    q.size += idx.numel();
  }

  /// The queued samples' fp32 scores, written over their low-precision ones; empties `q`.
  void run_rechecks(RecheckQueue& q) const {
    if (q.size == 0) return;
    const auto z = torch::cat(q.inputs), rows = torch::cat(q.rows);
    std::vector<torch::Tensor> parts;
    for (std::int64_t r0 = 0; r0 < q.size; r0 += kRecheckRows) {
      const auto k = std::min<std::int64_t>(kRecheckRows, q.size - r0);
      const auto emb = normalised(exact_forward(padded(z.narrow(0, r0, k), kRecheckRows)).narrow(0, 0, k));
      const auto r = rows.narrow(0, r0, k);
      parts.push_back(
          torch::stack({(emb * templates.index_select(0, r)).sum(1), (emb * second.index_select(0, r)).sum(1)}));
    }
    const auto exact = torch::cat(parts, 1).to(torch::kFloat64);
    std::int64_t at = 0;
    for (auto& [s, idx] : q.targets) {
      const auto e = exact.narrow(1, at, idx.numel());
      q.done.max_difference = std::max(q.done.max_difference, (e - s.index_select(1, idx)).abs().max().item<double>());
      s.index_copy_(1, idx, e);
      at += idx.numel();
    }
    q.done.rechecked += q.size;
    q.clear_pending();
  }

  /// Column indices that apply `p` to a D-value template: block i of the result is block p[i].
  std::vector<std::int64_t> block_columns(const protect::Permutation& p) const {
    const int blocks = static_cast<int>(p.size());
    const int b = dim / blocks;
    std::vector<std::int64_t> cols(static_cast<std::size_t>(dim));
    for (int i = 0; i < blocks; ++i)
      for (int j = 0; j < b; ++j)
        cols[static_cast<std::size_t>(i * b + j)] = static_cast<std::int64_t>(p[static_cast<std::size_t>(i)]) * b + j;
    return cols;
  }

  const BlockPositionModel* position_model(int blocks) const {
    for (const auto& m : options.position_models)
      if (m.blocks() == blocks) return &m;
    return nullptr;
  }

  /// The order recovered from template `row` protected by `p` (`prot`): the position model's,
  /// or the synthesis search's (search_rows, made before) or the joint model's, made at the
  /// template's first recovery and composed with later ones.
  protect::Permutation recovered_order(const BlockPositionModel& model, const protect::Permutation& p, std::int64_t row,
                                       const float* prot) const {
    if (!options.synthesis && !options.joint_model) return model.recover(prot);
    auto& placement = searched_placements[{row, model.blocks()}];
    if (placement.empty()) {
      IRREV_ASSERT(!options.synthesis, "template {} was not searched before its recovery", row);
      placement = placement_of(options.joint_model->recover(prot, model.blocks(), options.joint_beam), p);
    }
    return recovered_under(placement, p);
  }

  /// The synthesis search of every template of rows [b0, b0 + n) (protected by `p`) not
  /// searched before, all together, so that their candidates share forward batches.
  void search_rows(const BlockPositionModel& model, const protect::Permutation& p, std::int64_t b0,
                   std::int64_t n) const {
    if (!options.synthesis) return;
    const int blocks = static_cast<int>(p.size()), b = dim / blocks;
    std::vector<std::int64_t> rows;
    std::vector<std::vector<float>> prot;
    std::vector<OrderProposals> proposals;
    for (std::int64_t r = b0; r < b0 + n; ++r) {
      if (!searched_placements[{r, blocks}].empty()) continue;
      rows.push_back(r);
      prot.emplace_back(static_cast<std::size_t>(dim));
      protect::apply_blocks(host_templates.data() + r * dim, dim, b, p, prot.back().data());
      proposals.push_back(options.joint_model
                              ? OrderProposals(*options.joint_model, prot.back().data(), blocks, options.joint_beam)
                              : OrderProposals(model, prot.back().data()));
    }
    if (rows.empty()) return;
    std::vector<const OrderProposals*> models;
    std::vector<const float*> prots;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      models.push_back(&proposals[i]);
      prots.push_back(prot[i].data());
    }
    const auto found = synthesis_candidates(models, *self, prots, options.synthesis_search);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& c = found[i];
      searched_placements[{rows[i], blocks}] =
          placement_of(c[synthesis_choice(c, options.synthesis_weight, dim, c.size())].order, p);
    }
  }

  /// The recovery step for rows [b0, b0 + n) protected by `p`: each row's estimated complexity
  /// decides whether it is selected, and with `unshuffle` its columns are put back in the order
  /// the model finds (row-wise gather index, n x D); otherwise `cols` is returned as it is.
  torch::Tensor recover_rows(const BlockPositionModel& model, const protect::Permutation& p, std::int64_t b0,
                             std::int64_t n, const torch::Tensor& cols, torch::Tensor& selected) const {
    const int blocks = static_cast<int>(p.size()), b = dim / blocks;
    std::vector<float> prot(static_cast<std::size_t>(dim));
    std::vector<std::int64_t> idx(options.unshuffle ? static_cast<std::size_t>(n * dim) : 0);
    std::vector<std::uint8_t> sel(static_cast<std::size_t>(n), 0);
    search_rows(model, p, b0, n);
    for (std::int64_t i = 0; i < n; ++i) {
      protect::apply_blocks(host_templates.data() + (b0 + i) * dim, dim, b, p, prot.data());
      const auto q = recovered_order(model, p, b0 + i, prot.data());
      sel[static_cast<std::size_t>(i)] =
          options.targeted_max_complexity >= 0 && estimated_complexity(q) <= options.targeted_max_complexity;
      if (!options.unshuffle) continue;
      // Position q[i] of the unshuffled template takes the block at position i, which is
      // original block p[i]: position j holds original block p[q^-1[j]].
      const auto qi = protect::inverse(q);
      protect::Permutation both(static_cast<std::size_t>(blocks));
      for (int j = 0; j < blocks; ++j) both[static_cast<std::size_t>(j)] = p[qi[static_cast<std::size_t>(j)]];
      const auto c = block_columns(both);
      std::copy(c.begin(), c.end(), idx.begin() + i * dim);
    }
    // clone(): from_blob borrows the vectors, which end with this call.
    selected = torch::from_blob(sel.data(), {n}, torch::kUInt8).clone().to(device).to(torch::kBool);
    if (!options.unshuffle) return cols;
    return torch::from_blob(idx.data(), {n, dim}, torch::kInt64).clone().to(device);
  }

  /// Generator and extractor on one full batch (batch x D on the device) -> batch x D embeddings.
  torch::Tensor forward_eager(const torch::Tensor& z) const {
    torch::NoGradGuard no_grad;
    return reembed(generator->forward(z), low_extractor);
  }

  /// The recheck: both networks in fp32 (eager; one batch of kRecheckRows). On the CPU a batch
  /// that small is re-embedded in oneDNN by Extractor::Impl::infer (onednn_module.hpp).
  torch::Tensor exact_forward(const torch::Tensor& z) const {
    torch::NoGradGuard no_grad;
    return reembed(exact_generator->forward(z), false);
  }

  /// Reconstructions as the extractor's input, in the layout the options ask for.
  torch::Tensor extractor_input(const torch::Tensor& recon) const {
    return extractor->from_rgb(recon).contiguous(options.extractor_channels_last ? at::MemoryFormat::ChannelsLast
                                                                                 : at::MemoryFormat::Contiguous);
  }

  /// The extractor half of the forward pass: reconstructions -> batch x D embeddings, in the
  /// generator's low precision or in fp32.
  torch::Tensor reembed(const torch::Tensor& recon, bool low) const {
    torch::NoGradGuard no_grad;
    const auto input = extractor_input(recon);
    if (low && device.is_cpu()) return extractor->infer_low(input, generator_dtype);
    if (low) {
      // No cast cache: a CUDA graph capture must not keep casts the guard frees (and the
      // extractor's weights are few beside a batch of images).
      models::AutocastGuard autocast(true, device, generator_dtype, false);
      return extractor->forward(input).to(torch::kFloat32);
    }
    return extractor->infer(input);
  }

  torch::Tensor forward(const torch::Tensor& z) const {
#ifdef IRREV_TORCH_CUDA
    if (options.cuda_graph && device.is_cuda() && !graph_failed) {
      if (!graph) capture(z);
      if (graph) {
        graph->in.copy_(z);
        graph->graph.replay();
        return graph->out;
      }
    }
#endif
    return forward_eager(z);
  }

#ifdef IRREV_TORCH_CUDA
  /// Warm up on a side stream (cuDNN plans, the TorchScript executor's profiling runs happen
  /// there, outside the capture), then capture one forward. A model that cannot be captured
  /// leaves the pipeline on the eager path, with a warning.
  void capture(const torch::Tensor& z) const {
    auto g = std::make_unique<ForwardGraph>();
    try {
      g->in = z.clone();
      torch::cuda::synchronize(device.index());  // the side stream reads what this one wrote
      auto side = at::cuda::getStreamFromPool(false, device.index());
      {
        c10::cuda::CUDAStreamGuard on_side(side);
        for (int i = 0; i < 3; ++i) g->out = forward_eager(g->in);
      }
      torch::cuda::synchronize(device.index());
      {
        c10::cuda::CUDAStreamGuard on_side(side);
        g->graph.capture_begin();
        g->out = forward_eager(g->in);
        g->graph.capture_end();
      }
      torch::cuda::synchronize(device.index());
      graph = std::move(g);
    } catch (const std::exception& e) {
      graph_failed = true;
      spdlog::warn("attack: the forward pass could not be captured as a CUDA graph, running it eagerly ({})", e.what());
    }
  }
#endif

  /// `z` (n <= rows templates) padded with zero templates to `rows` (the batch by default): the
  /// batch shape never changes.
  torch::Tensor padded(const torch::Tensor& z, std::int64_t rows = 0) const {
    if (rows == 0) rows = options.batch;
    if (z.size(0) == rows) return z;
    return torch::cat({z, torch::zeros({rows - z.size(0), dim}, z.options())});
  }

  /// Embeddings scaled to unit length (rows of zeros stay zero).
  static torch::Tensor normalised(const torch::Tensor& emb) { return emb / emb.norm(2, 1, true).clamp_min(1e-12); }

  /// The templates `rows` with their blocks rearranged by the column index `cols`: one
  /// permutation for the batch (1-D columns), or one per row after recovery (n x D).
  static torch::Tensor arranged(const torch::Tensor& rows, const torch::Tensor& cols) {
    return cols.dim() == 1 ? rows.index_select(1, cols) : rows.gather(1, cols);
  }

  /// Re-embedded reconstructions of `z` (n <= batch templates on the device) as one padded
  /// batch: n x D, L2-normalised, on the device.
  torch::Tensor embed_padded(const torch::Tensor& z) const {
    return normalised(forward(padded(z)).narrow(0, 0, z.size(0)));
  }

  /// Templates [t0, t0 + n) with their blocks in the order `p`.
  torch::Tensor permuted(const protect::Permutation& p, std::int64_t t0, std::int64_t n) const {
    return arranged(templates.narrow(0, t0, n), torch::tensor(block_columns(p), torch::kInt64).to(device));
  }

  /// For the public per-batch calls: [t0, t0 + n) must be one batch of this attack's templates.
  void check_batch(std::int64_t t0, std::int64_t n) const {
    IRREV_CHECK(n >= 1 && n <= options.batch && t0 >= 0 && t0 + n <= count,
                "templates [{}, {}) are not a batch of this attack ({} templates, batch {})", t0, t0 + n, count,
                options.batch);
  }

  /// Scores of one fixed-size batch: 2 x n (type I, type II), float32 on the device.
  torch::Tensor scores_of(const torch::Tensor& emb, std::int64_t t0, std::int64_t n) const {
    auto s1 = (emb * templates.narrow(0, t0, n)).sum(1);
    auto s2 = (emb * second.narrow(0, t0, n)).sum(1);
    return torch::stack({s1, s2});
  }
};

void set_upsampling(PipelineOptions& o, Upsampling upsampling) {
  o.transposed_upsampling = upsampling == Upsampling::transposed;
}

void set_layout(PipelineOptions& o, ActivationLayout layout) {
  using L = ActivationLayout;
  o.channels_last = layout == L::nhwc || layout == L::nhwc_nchw || layout == L::nhwc_nhwc;
  o.extractor_channels_last = layout == L::nhwc || layout == L::nchw_nhwc || layout == L::nhwc_nhwc;
}

std::string layout_name(const PipelineOptions& o) {
  return fmt::format("{}/{}", o.channels_last ? "nhwc" : "nchw", o.extractor_channels_last ? "nhwc" : "nchw");
}

AttackPipeline::AttackPipeline(const models::Inverter& inverter, const models::Extractor& extractor,
                               const AttackInputs& in, const PipelineOptions& options)
    : m_impl(std::make_unique<Impl>()) {
  auto& m = *m_impl;
  m.self = this;
  IRREV_CHECK(options.batch >= 1, "attack batch must be positive, got {}", options.batch);
  IRREV_CHECK(inverter.info().template_dim == in.dim, "the inverter takes {}-D templates, the attacked ones are {}-D",
              inverter.info().template_dim, in.dim);
  IRREV_CHECK(extractor.embedding_size() == in.dim,
              "the extractor gives {}-D embeddings, the attacked templates are {}-D", extractor.embedding_size(),
              in.dim);
  m.inverter = &inverter.impl();
  m.extractor = &extractor.impl();
  m.options = options;
  m.device = m.extractor->device;
  IRREV_CHECK(m.inverter->device == m.device, "the inverter and the extractor were loaded on different devices");
  m.dim = in.dim;
  m.count = in.count();
  IRREV_ASSERT(options.precision != Precision::automatic,
               "precision auto reached the attack pipeline: pipeline::agreed_precision makes it concrete first");
  const bool fp16 = is_fp16(options.precision);
  // LibTorch's CPU convolutions have no float16 kernels; CPUs with bf16 units take bf16.
  IRREV_CHECK(!fp16 || m.device.is_cuda(), "attack precision '{}' needs a CUDA device (on the CPU use bf16)",
              name_of(options.precision));
  m.generator_dtype = fp16 ? torch::kHalf : options.precision == Precision::fp32 ? torch::kFloat32 : torch::kBFloat16;
  m.low_extractor = extractor_in_low_precision(options.precision);
  const models::GeneratorTuning tuning{options.transposed_upsampling, options.fused_relu && m.device.is_cuda(),
                                       options.channels_last};
  m.generator = *m.inverter->folded;
  m.generator->to(m.device, m.generator_dtype);
  m.generator->set_tuning(tuning);
  if (rechecks_in_fp32(options.precision)) {
    IRREV_CHECK(options.recheck_margin >= 0 && options.recheck_margin < 1,
                "the recheck margin must lie in [0, 1) (0: the precision's own), got {}", options.recheck_margin);
    m.options.recheck_margin = recheck_margin_for(options.precision, options.recheck_margin);
    m.exact_generator = *m.inverter->folded;
    m.exact_generator->to(m.device, torch::kFloat32);
    m.exact_generator->set_tuning(tuning);
  }
#ifdef IRREV_TORCH_CUDA
  // Process-wide in LibTorch: the newest pipeline's choice holds.
  if (m.device.is_cuda()) at::globalContext().setBenchmarkCuDNN(options.cudnn_benchmark);
#endif
  auto host = [&](const std::vector<float>& v) {
    return torch::from_blob(const_cast<float*>(v.data()), {m.count, m.dim}, torch::kFloat32).clone().to(m.device);
  };
  m.templates = host(in.templates);
  if (options.unshuffle || options.targeted_max_complexity >= 0) {
    IRREV_CHECK(!options.position_models.empty(), "the unshuffled and targeted attacks need a block-position model");
    m.host_templates = in.templates;  // only the recovery step reads them on the host
  }
  m.second = host(in.second);
  m.has_second = torch::from_blob(const_cast<std::uint8_t*>(in.has_second.data()), {m.count}, torch::kUInt8)
                     .clone()
                     .to(m.device)
                     .to(torch::kBool);
  m.thresholds =
      torch::tensor(std::vector<double>{in.threshold_fmr01, in.threshold_fmr1}, torch::kFloat64).to(m.device);
}

AttackPipeline::~AttackPipeline() = default;

const PipelineOptions& AttackPipeline::options() const { return m_impl->options; }

ForwardSeconds AttackPipeline::time_forward(double seconds) const {
  const auto& m = *m_impl;
  const auto zb = m.padded(m.templates.narrow(0, 0, std::min<std::int64_t>(m.count, m.options.batch)));
  // Reading one value back waits for the device, so each call is timed whole.
  auto per_call = [&](const std::function<torch::Tensor()>& f) {
    f().sum().item<float>();  // warm-up: allocations, cuDNN plans
    int calls = 0;
    const auto t0 = std::chrono::steady_clock::now();
    double s = 0;
    do {
      f().sum().item<float>();
      ++calls;
      s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (s < seconds);
    return s / calls;
  };
  const auto recon = m.generator->forward(zb);
  ForwardSeconds out;
  out.generator = per_call([&] { return m.generator->forward(zb); });
  out.extractor = per_call([&] { return m.reembed(recon, m.low_extractor); });
  return out;
}

bool AttackPipeline::cuda_graph_active() const {
#ifdef IRREV_TORCH_CUDA
  return m_impl->graph != nullptr;
#else
  return false;
#endif
}

RecheckStats AttackPipeline::recheck_stats() const { return m_impl->recheck; }

std::vector<float> AttackPipeline::scores(const protect::Permutation& p, std::int64_t t0, std::int64_t n) const {
  const auto& m = *m_impl;
  m.check_batch(t0, n);
  const auto z = m.permuted(p, t0, n);
  auto s = m.scores_of(m.embed_padded(z), t0, n).to(torch::kFloat64);
  RecheckQueue q;
  m.queue_near(s, z, t0, n, q);
  m.run_rechecks(q);
  m.recheck.add(q.done);
  s = s.to(torch::kCPU, torch::kFloat32).contiguous();
  return std::vector<float>(s.data_ptr<float>(), s.data_ptr<float>() + s.numel());
}

std::vector<float> AttackPipeline::embeddings(const protect::Permutation& p, std::int64_t t0, std::int64_t n) const {
  m_impl->check_batch(t0, n);
  auto e = m_impl->embed_padded(m_impl->permuted(p, t0, n)).to(torch::kCPU, torch::kFloat32).contiguous();
  return std::vector<float>(e.data_ptr<float>(), e.data_ptr<float>() + e.numel());
}

std::vector<float> AttackPipeline::reembed(const float* templates, std::int64_t n) const {
  const auto& m = *m_impl;
  IRREV_CHECK(n >= 1, "{} templates to re-embed: at least one", n);
  std::vector<float> out;
  out.reserve(static_cast<std::size_t>(n * m.dim));
  for (std::int64_t r0 = 0; r0 < n; r0 += m.options.batch) {
    const auto z = torch::from_blob(const_cast<float*>(templates) + r0 * m.dim,
                                    {std::min<std::int64_t>(m.options.batch, n - r0), m.dim}, torch::kFloat32)
                       .to(m.device);
    const auto e = m.embed_padded(z).to(torch::kCPU, torch::kFloat32).contiguous();
    out.insert(out.end(), e.data_ptr<float>(), e.data_ptr<float>() + e.numel());
  }
  return out;
}

UnitResult AttackPipeline::run(const Plan& plan, int plan_index, std::int64_t first, std::int64_t entries,
                               std::int64_t t0, std::int64_t t1) const {
  const auto& m = *m_impl;
  const int batch = m.options.batch;
  IRREV_ASSERT(t0 % batch == 0 && t0 >= 0 && t1 <= m.count && t0 < t1, "template shard [{}, {}) is not batch-aligned",
               t0, t1);
  IRREV_ASSERT(first >= 0 && first + entries <= plan.size(), "plan entries out of range");
  // Everything is counted on the device and read back once per unit, so that the host never
  // waits on a batch and a GPU stays busy. Counts and histogram bins are integers: the order of
  // the additions cannot change them, and scores are compared in float64 exactly as on the host.
  std::vector<std::int64_t> cols;
  cols.reserve(static_cast<std::size_t>(entries * m.dim));
  for (std::int64_t e = 0; e < entries; ++e) {
    auto c = m.block_columns(plan.permutations[static_cast<std::size_t>(first + e)]);
    cols.insert(cols.end(), c.begin(), c.end());
  }
  const auto index = torch::tensor(cols, torch::kInt64).view({entries, m.dim}).to(m.device);
  const int blocks = plan.spec.blocks;
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64).device(m.device);
  auto counts = torch::zeros({entries, kOutcomes}, i64);
  auto hist = torch::zeros({static_cast<std::int64_t>(blocks + 1) * 2 * kScoreBins}, i64);
  const bool recovers = m.options.unshuffle || m.options.targeted_max_complexity >= 0;
  const BlockPositionModel* model = recovers ? m.position_model(blocks) : nullptr;
  IRREV_CHECK(!recovers || model, "no block-position model for {} blocks", blocks);
  const auto nobody = torch::zeros({batch}, torch::TensorOptions().dtype(torch::kBool).device(m.device));
  // A batch is counted once its scores are final: bf16-checked rechecks the queued samples
  // whenever a few batches' worth are queued, and at the end of the unit.
  struct Scored {
    std::int64_t entry, b0;
    torch::Tensor scores, selected;
  };
  std::vector<Scored> waiting;
  RecheckQueue queue;
  auto count_waiting = [&] {
    m.run_rechecks(queue);
    for (const auto& w : waiting) {
      const auto& s = w.scores;  // 2 x n
      const auto valid = m.valid_scores(w.b0, s.size(1));
      auto hit = s.unsqueeze(1) >= m.thresholds.view({1, 2, 1});  // 2 types x 2 FMRs x n
      hit = hit.logical_and(valid.unsqueeze(1));
      // tried I, II; I@0.1, I@1, II@0.1, II@1; selected, selected with I@0.1, I@1
      auto per = torch::cat({valid.sum(1), hit.sum(2).flatten(), w.selected.sum().view({1}),
                             hit.select(0, 0).logical_and(w.selected).sum(1)});
      counts.select(0, w.entry).add_(per);
      const int k = plan.complexity[static_cast<std::size_t>(first + w.entry)];
      auto key = score_bins(s) + (torch::arange(2, i64).view({2, 1}) + 2 * k) * kScoreBins;
      hist.add_(torch::bincount(key.masked_select(valid), {}, hist.size(0)));
    }
    waiting.clear();
  };
  for (std::int64_t e = 0; e < entries; ++e) {
    const auto cols_e = index.select(0, e);
    for (std::int64_t b0 = t0; b0 < t1; b0 += batch) {
      const std::int64_t n = std::min<std::int64_t>(batch, t1 - b0);
      torch::Tensor cols = cols_e, selected = nobody.narrow(0, 0, n);
      if (model)
        cols = m.recover_rows(*model, plan.permutations[static_cast<std::size_t>(first + e)], b0, n, cols_e, selected);
      waiting.push_back({e, b0, m.batch_scores(b0, n, cols, queue), selected});
      if (queue.size >= 4 * static_cast<std::int64_t>(batch) || !m.exact_generator) count_waiting();
    }
  }
  count_waiting();
  m.recheck.add(queue.done);
  UnitResult r;
  r.plan = plan_index;
  r.first = first;
  r.entries = entries;
  auto c = counts.to(torch::kCPU).contiguous();
  r.counts.assign(c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel());
  auto h = hist.to(torch::kCPU).contiguous();
  const auto* hp = h.data_ptr<std::int64_t>();
  for (std::int64_t key = 0; key < h.numel(); ++key)
    if (hp[key] > 0) {
      r.hist_keys.push_back(static_cast<std::uint32_t>(key));
      r.hist_counts.push_back(static_cast<std::uint32_t>(hp[key]));
    }
  r.recheck = queue.done;
  return r;
}

}  // namespace irrev::attack
