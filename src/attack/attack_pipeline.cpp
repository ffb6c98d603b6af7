#include "irrev/attack/attack_pipeline.hpp"

#include <torch/torch.h>

#include <chrono>
#include <optional>

#include "../models/autocast.hpp"
#include "../models/extractor_impl.hpp"
#include "../models/inverter_impl.hpp"
#include "irrev/core/error.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/models/inverter.hpp"

namespace irrev::attack {

struct AttackPipeline::Impl {
  const models::Inverter::Impl* inverter = nullptr;
  /// The inverter's folded generator, in the pipeline's precision (bf16 weights for bf16).
  std::optional<models::FoldedGenerator> generator;
  const models::Extractor::Impl* extractor = nullptr;
  PipelineOptions options;
  torch::Device device{torch::kCPU};
  torch::Tensor templates, second, has_second;  // on the device
  std::int64_t count = 0;
  int dim = 0;
  double t01 = 0, t1 = 0;
  bool bf16 = false;            // the generator in bf16
  bool bf16_extractor = false;  // the re-embedding too (faster; cosines move by up to ~1e-2)

  /// Re-embedded reconstructions of templates [t0, t0 + n) under `p`, computed as one padded
  /// batch: n x D, L2-normalised, on the device.
  torch::Tensor batch_embeddings(const protect::Permutation& p, std::int64_t t0, std::int64_t n) const {
    const int blocks = static_cast<int>(p.size());
    const int b = dim / blocks;
    std::vector<std::int64_t> cols(static_cast<std::size_t>(dim));
    for (int i = 0; i < blocks; ++i)
      for (int j = 0; j < b; ++j) cols[static_cast<std::size_t>(i * b + j)] = static_cast<std::int64_t>(p[static_cast<std::size_t>(i)]) * b + j;
    auto index = torch::tensor(cols, torch::kInt64).to(device);
    auto z = templates.narrow(0, t0, n).index_select(1, index);
    if (n < options.batch)  // pad with zero templates: the batch shape never changes
      z = torch::cat({z, torch::zeros({options.batch - n, dim}, z.options())});
    torch::Tensor emb;
    {
      torch::NoGradGuard no_grad;
      auto recon = generator->forward(z);
      if (bf16_extractor) {
        models::AutocastGuard autocast(true, device);
        emb = extractor->forward(extractor->from_rgb(recon)).to(torch::kFloat32);
      } else {
        emb = extractor->infer(extractor->from_rgb(recon));
      }
    }
    emb = emb.narrow(0, 0, n);
    return emb / emb.norm(2, 1, true).clamp_min(1e-12);
  }

  /// For the public per-batch calls: [t0, t0 + n) must be one batch of this attack's templates.
  void check_batch(std::int64_t t0, std::int64_t n) const {
    IRREV_CHECK(n >= 1 && n <= options.batch && t0 >= 0 && t0 + n <= count,
                "templates [{}, {}) are not a batch of this attack ({} templates, batch {})", t0, t0 + n, count,
                options.batch);
  }

  /// Scores of one fixed-size batch: 2 x n (type I, type II), float64 on the host.
  torch::Tensor batch_scores(const protect::Permutation& p, std::int64_t t0, std::int64_t n) const {
    auto emb = batch_embeddings(p, t0, n);
    auto s1 = (emb * templates.narrow(0, t0, n)).sum(1);
    auto s2 = (emb * second.narrow(0, t0, n)).sum(1);
    return torch::stack({s1, s2}).to(torch::kCPU, torch::kFloat64);
  }
};

AttackPipeline::AttackPipeline(const models::Inverter& inverter, const models::Extractor& extractor,
                               const AttackInputs& in, const PipelineOptions& options)
    : m_impl(std::make_unique<Impl>()) {
  auto& m = *m_impl;
  IRREV_CHECK(options.batch >= 1, "attack batch must be positive, got {}", options.batch);
  IRREV_CHECK(options.precision == "fp32" || options.precision == "bf16" || options.precision == "bf16-all",
              "attack precision must be fp32, bf16 or bf16-all, got '{}'", options.precision);
  IRREV_CHECK(inverter.info().template_dim == in.dim, "the inverter takes {}-D templates, the attacked ones are {}-D",
              inverter.info().template_dim, in.dim);
  IRREV_CHECK(extractor.embedding_size() == in.dim, "the extractor gives {}-D embeddings, the attacked templates are {}-D",
              extractor.embedding_size(), in.dim);
  m.inverter = &inverter.impl();
  m.extractor = &extractor.impl();
  m.options = options;
  m.device = m.extractor->device;
  IRREV_CHECK(m.inverter->device == m.device, "the inverter and the extractor were loaded on different devices");
  m.dim = in.dim;
  m.count = in.count();
  m.t01 = in.threshold_fmr01;
  m.t1 = in.threshold_fmr1;
  m.bf16 = options.precision != "fp32";
  m.bf16_extractor = options.precision == "bf16-all";
  m.generator = *m.inverter->folded;
  m.generator->to(m.device, m.bf16 ? torch::kBFloat16 : torch::kFloat32);
  auto host = [&](const std::vector<float>& v) {
    return torch::from_blob(const_cast<float*>(v.data()), {m.count, m.dim}, torch::kFloat32).clone().to(m.device);
  };
  m.templates = host(in.templates);
  m.second = host(in.second);
  m.has_second = torch::from_blob(const_cast<std::uint8_t*>(in.has_second.data()), {m.count}, torch::kUInt8)
                     .clone()
                     .to(torch::kBool);
}

AttackPipeline::~AttackPipeline() = default;

const PipelineOptions& AttackPipeline::options() const { return m_impl->options; }

std::vector<float> AttackPipeline::scores(const protect::Permutation& p, std::int64_t t0, std::int64_t n) const {
  m_impl->check_batch(t0, n);
  auto s = m_impl->batch_scores(p, t0, n).to(torch::kFloat32).contiguous();
  return std::vector<float>(s.data_ptr<float>(), s.data_ptr<float>() + s.numel());
}

std::vector<float> AttackPipeline::embeddings(const protect::Permutation& p, std::int64_t t0, std::int64_t n) const {
  m_impl->check_batch(t0, n);
  auto e = m_impl->batch_embeddings(p, t0, n).to(torch::kCPU, torch::kFloat32).contiguous();
  return std::vector<float>(e.data_ptr<float>(), e.data_ptr<float>() + e.numel());
}

UnitResult AttackPipeline::run(const Plan& plan, int plan_index, std::int64_t first, std::int64_t entries,
                               std::int64_t t0, std::int64_t t1) const {
  const auto& m = *m_impl;
  const auto t_start = std::chrono::steady_clock::now();
  const int batch = m.options.batch;
  IRREV_ASSERT(t0 % batch == 0 && t0 >= 0 && t1 <= m.count && t0 < t1, "template shard [{}, {}) is not batch-aligned",
               t0, t1);
  IRREV_ASSERT(first >= 0 && first + entries <= plan.size(), "plan entries out of range");
  UnitResult r;
  r.plan = plan_index;
  r.first = first;
  r.entries = entries;
  r.counts.assign(static_cast<std::size_t>(entries) * kOutcomes, 0);
  auto has2 = m.has_second.narrow(0, t0, t1 - t0);
  const auto* has2p = has2.data_ptr<bool>();
  for (std::int64_t e = 0; e < entries; ++e) {
    const auto& p = plan.permutations[static_cast<std::size_t>(first + e)];
    const int k = plan.complexity[static_cast<std::size_t>(first + e)];
    auto* c = r.counts.data() + e * kOutcomes;
    for (std::int64_t b0 = t0; b0 < t1; b0 += batch) {
      const std::int64_t n = std::min<std::int64_t>(batch, t1 - b0);
      auto s = m.batch_scores(p, b0, n).contiguous();
      const double* s1 = s.data_ptr<double>();
      const double* s2 = s1 + n;
      for (std::int64_t i = 0; i < n; ++i) {
        c[kTriedType1] += 1;
        c[kType1Fmr01] += s1[i] >= m.t01;
        c[kType1Fmr1] += s1[i] >= m.t1;
        r.add_score(k, 0, s1[i]);
        if (has2p[b0 - t0 + i]) {
          c[kTriedType2] += 1;
          c[kType2Fmr01] += s2[i] >= m.t01;
          c[kType2Fmr1] += s2[i] >= m.t1;
          r.add_score(k, 1, s2[i]);
        }
      }
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  return r;
}

}  // namespace irrev::attack
