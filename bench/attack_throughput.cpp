// Attack throughput: attacked samples/s (permute -> invert -> re-embed -> compare -> count) of a
// trained inverter and an extractor on real templates, one line per configuration.
//   attack_throughput --inverter inverter.pt --extractor fr_feature.pt --templates t.h5
//                     [--device cpu|cuda] [--batch 32 1024] [--precision fp32 bf16 bf16-all bf16-checked auto]
//                     [--graph 0 1] [--form subpixel transposed] [--fused 0 1] [--cudnn-benchmark 0 1]
//                     [--layout nhwc nchw nchw/nhwc] [--breakdown] [--eager] [--threads 2] [--seconds 10]
//                     [--thresholds verify.h5] [--guard-device cpu] [--guard-templates 512] [--json]
// The tuned path is timed as the attack runs it: AttackPipeline::run over units of 4 batches,
// counted on the device. --eager adds the plain LibTorch path (batch-norm generator in eval
// mode, unfrozen extractor, fp32, scores read back per batch) as the baseline. --json runs only
// the device's best configuration and prints {"samples_per_second", "precision", "batch",
// "threads", ...}. --breakdown adds each configuration's milliseconds per batch in the generator
// and in the re-embedding, timed eagerly (where the time goes, not what the attack sees).
// The accuracy guard: every configuration's scores on --guard-templates templates, each under
// permutations of complexity 0, 2, 4 and 8, against fp32 on --guard-device (the CPU reference
// when it is "cpu"): the largest per-sample cosine difference, and with --thresholds the RSR
// difference in percentage points and the number of flipped decisions.
#include <torch/torch.h>
#include <CLI/CLI.hpp>

#include <fmt/format.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>

#include "irrev/attack/attack_pipeline.hpp"
#include "irrev/core/cpu_features.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/memory_policy.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/models/inverter.hpp"
#include "irrev/pipeline/thresholds.hpp"
#include "irrev/protect/keyed_stream.hpp"
#include "irrev/protect/samplers.hpp"
#include "models/extractor_impl.hpp"
#include "models/inverter_impl.hpp"

using namespace irrev;
using Clock = std::chrono::steady_clock;

namespace {
attack::AttackInputs inputs(const data::TemplateSet& set, std::int64_t n, const pipeline::Thresholds& t) {
  attack::AttackInputs in;
  in.dim = set.dim;
  n = std::min(n, set.count);
  in.templates.assign(set.values.begin(), set.values.begin() + n * set.dim);
  in.second = in.templates;  // type II against the same rows: the cost is what is measured
  in.has_second.assign(static_cast<std::size_t>(n), 1);
  in.threshold_fmr01 = t.fmr_0_1;
  in.threshold_fmr1 = t.fmr_1;
  return in;
}

/// Samples/s of `step()` (which attacks `per_step` samples) over about `seconds`.
template <class Step>
double measure(std::int64_t per_step, double seconds, const Step& step) {
  step();  // warm-up: first-call allocations, oneDNN primitives, cuDNN plans, graph capture
  std::int64_t done = 0;
  const auto t0 = Clock::now();
  double s = 0;
  while (s < seconds) {
    step();
    done += per_step;
    s = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  return static_cast<double>(done) / s;
}

/// The guard's permutations: one each of complexity 0, 2, 4 and 8 blocks of 8.
std::vector<protect::Permutation> guard_permutations() {
  std::vector<protect::Permutation> out;
  protect::KeyedStream s(2021, 0, 0);
  for (int k : {0, 2, 4, 8}) out.push_back(protect::sample_with_complexity(8, k, s));
  return out;
}

/// Type-I scores of the guard's samples (templates x permutations), template-major per permutation.
std::vector<float> guard_scores(const attack::AttackPipeline& pipe, std::int64_t templates) {
  std::vector<float> out;
  const int b = pipe.options().batch;
  for (const auto& p : guard_permutations())
    for (std::int64_t t0 = 0; t0 < templates; t0 += b) {
      const auto n = std::min<std::int64_t>(b, templates - t0);
      auto s = pipe.scores(p, t0, n);
      out.insert(out.end(), s.begin(), s.begin() + n);
    }
  return out;
}

std::string guard_line(const std::vector<float>& s, const std::vector<float>& ref, const pipeline::Thresholds* t) {
  double worst = 0;
  for (std::size_t i = 0; i < s.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(s[i] - ref[i])));
  std::string line = fmt::format(" guard: max_abs_cos_diff={:.5f} samples={}", worst, s.size());
  if (t) {
    for (double thr : {t->fmr_0_1, t->fmr_1}) {
      long hits = 0, ref_hits = 0, flips = 0;
      for (std::size_t i = 0; i < s.size(); ++i) {
        hits += s[i] >= thr;
        ref_hits += ref[i] >= thr;
        flips += (s[i] >= thr) != (ref[i] >= thr);
      }
      line += fmt::format(" rsr_diff_pp@{}={:+.3f} flips={}", thr == t->fmr_0_1 ? "fmr0.1" : "fmr1",
                          100.0 * static_cast<double>(hits - ref_hits) / static_cast<double>(s.size()), flips);
    }
  }
  return line;
}
}  // namespace

int main(int argc, char** argv) {
  irrev::core::keep_freed_memory();  // as irrev itself runs
  CLI::App app{"attack throughput on real templates"};
  std::string inverter_path, extractor_path, templates_path, device = "cpu", thresholds, guard_device;
  std::vector<int> batches, graphs, fused{0}, cudnn_benchmark{0};
  std::vector<std::string> layouts{"nhwc"};
  std::vector<std::string> precisions{"fp32", "bf16", "bf16-all", "bf16-checked"};
  std::vector<std::string> forms{"subpixel"};
  int threads = 1;
  std::int64_t guard_templates = 512;
  double seconds = 10;
  bool eager = false, json = false, breakdown = false;
  app.add_option("--inverter", inverter_path)->required();
  app.add_option("--extractor", extractor_path)->required();
  app.add_option("--templates", templates_path)->required();
  app.add_option("--device", device);
  app.add_option("--batch", batches, "default: 32 on the CPU, 1024 on CUDA");
  app.add_option("--precision", precisions);
  app.add_option("--graph", graphs, "CUDA graph replay off/on (0 1); default 0 on the CPU, 0 1 on CUDA");
  app.add_option("--form", forms, "the generator's upsampling: subpixel (2x2 conv + pixel shuffle) or transposed")
      ->check(CLI::IsMember(names_of<attack::Upsampling>()));
  app.add_option("--fused", fused, "cuDNN's fused convolution + bias + ReLU in the generator off/on (CUDA only)");
  app.add_option("--cudnn-benchmark", cudnn_benchmark, "cuDNN's algorithm timing off/on (CUDA only)");
  app.add_option(
         "--layout", layouts,
         "activation layouts: nhwc (channels-last) or nchw for both networks, or GENERATOR/EXTRACTOR (nchw/nhwc)")
      ->check(CLI::IsMember(names_of<attack::ActivationLayout>()));
  app.add_flag("--breakdown", breakdown, "also milliseconds per batch in the generator and in the re-embedding");
  app.add_option("--threads", threads);
  app.add_option("--seconds", seconds, "time per configuration");
  app.add_option("--thresholds", thresholds, "verify.h5: RSR difference and flipped decisions in the guard");
  app.add_option("--guard-device", guard_device,
                 "device of the fp32 reference (default: --device; 'cpu': the CPU reference)");
  app.add_option("--guard-templates", guard_templates,
                 "templates in the guard (each under 4 permutations; 0: no guard)");
  app.add_flag("--eager", eager, "also the plain LibTorch eager fp32 path");
  app.add_flag("--json", json, "only the device's best configuration, as JSON");
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // every line out at once, also into a file cut off by a timeout
  if (!json) {
    // Every CPU figure with the flags that decide it (bf16 pays with bf16 units; AMX's most).
    const auto flags = cpu_flags();
    std::string named;
    for (const char* f : {"avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16"})
      if (flags.count(f) > 0) named += fmt::format(" {}", f);
    std::printf("processor flags:%s\n", named.empty() ? " (none of avx2, avx512f, bf16, amx)" : named.c_str());
  }

  const bool cuda = device.rfind("cuda", 0) == 0;
  if (batches.empty()) batches = {cuda ? 1024 : 32};
  if (graphs.empty()) graphs = cuda ? std::vector<int>{0, 1} : std::vector<int>{0};
  if (guard_device.empty()) guard_device = device;
  if (json) {
    // The best configuration measured on each kind of device that keeps the accuracy guard
    // (figures in the notes).
    precisions = {"auto"};
    batches = {cuda ? 1024 : 32};
    graphs = {cuda ? 1 : 0};
    guard_templates = 0;
  }
  models::set_torch_threads(threads);
  auto set = data::read_template_set(templates_path);
  pipeline::Thresholds thr{0.3, 0.25};  // without --thresholds only the cost matters, not the counts
  if (!thresholds.empty()) thr = pipeline::read_thresholds(thresholds);
  auto inverter = models::Inverter::load(inverter_path, Device::parse(device, "--device"));
  auto extractor = models::Extractor::load(extractor_path, Device::parse(device, "--device"));
  const auto perm = [&] {
    protect::KeyedStream s(2021, 0, 0);
    return protect::sample_with_complexity(8, 8, s);
  }();
  attack::Plan plan;
  plan.spec.blocks = 8;
  plan.permutations = {perm};
  plan.complexity = {8};

  // The fp32 reference of the guard, once, on the guard's device.
  guard_templates = std::min(guard_templates, set.count);
  std::vector<float> reference;
  if (guard_templates > 0) {
    auto gin = inputs(set, guard_templates, thr);
    std::unique_ptr<models::Inverter> ginv;
    std::unique_ptr<models::Extractor> gext;
    if (guard_device != device) {
      ginv = models::Inverter::load(inverter_path, Device::parse(guard_device, "--guard-device"));
      gext = models::Extractor::load(extractor_path, Device::parse(guard_device, "--guard-device"));
    }
    const auto t0 = Clock::now();
    attack::AttackPipeline ref(ginv ? *ginv : *inverter, gext ? *gext : *extractor, gin,
                               attack::PipelineOptions{64, attack::Precision::fp32, false});
    reference = guard_scores(ref, guard_templates);
    std::printf("guard reference: fp32 on %s, %zu samples in %.1f s\n", guard_device.c_str(), reference.size(),
                std::chrono::duration<double>(Clock::now() - t0).count());
  }

  for (int b : batches) {
    auto in = inputs(set, std::max<std::int64_t>(4 * b, guard_templates), thr);
    IRREV_CHECK(in.count() >= b, "--templates has {} templates, fewer than one batch of {}", in.count(), b);
    const std::int64_t unit = std::min<std::int64_t>(4, in.count() / b) * b;  // up to 4 batches per timed call
    if (eager && !json) {
      // The baseline: the generator with its batch norms, the extractor as imported, fp32.
      auto& gen = inverter->impl().generator;
      gen->to(extractor->impl().device);
      auto z =
          torch::from_blob(in.templates.data(), {in.count(), in.dim}, torch::kFloat32).to(extractor->impl().device);
      std::int64_t t0 = 0;
      const double rate = measure(b, seconds, [&] {
        torch::NoGradGuard no_grad;
        auto x = z.narrow(0, t0, b);
        auto emb = extractor->impl().forward(extractor->impl().from_rgb(gen->forward(x)));
        emb = emb / emb.norm(2, 1, true);
        (emb * x).sum(1).to(torch::kCPU);
        t0 = (t0 + b) % (unit - b + 1);
      });
      std::printf("attack path=eager device=%s precision=fp32 batch=%d graph=0 threads=%d samples_per_s=%.1f\n",
                  device.c_str(), b, threads, rate);
    }
    // Every combination of the lists, the cuDNN benchmark outermost (it is process-wide).
    std::vector<attack::PipelineOptions> configs;
    for (int cb : cudnn_benchmark)
      for (const auto& prec : precisions)
        for (const auto& form : forms)
          for (const auto& layout : layouts)
            for (int f : fused)
              for (int g : graphs) {
                attack::PipelineOptions o;
                o.batch = b;
                o.precision = enum_from_name<attack::Precision>(prec, "--precision");
                if (o.precision == attack::Precision::automatic)
                  o.precision = attack::fastest_guarded_precision(cuda, has_bf16_units(cpu_flags()));
                o.cuda_graph = g != 0;
                attack::set_upsampling(o, enum_from_name<attack::Upsampling>(form, "--upsampling"));
                o.fused_relu = f != 0;
                o.cudnn_benchmark = cb != 0;
                attack::set_layout(o, enum_from_name<attack::ActivationLayout>(layout, "--layout"));
                configs.push_back(o);
              }
    for (const auto& o : configs) {
      const std::string what = fmt::format(
          "device={} precision={} batch={} graph={} form={} layout={} fused={} cudnn_benchmark={} threads={}", device,
          name_of(o.precision), b, int(o.cuda_graph), o.transposed_upsampling ? "transposed" : "subpixel",
          attack::layout_name(o), int(o.fused_relu), int(o.cudnn_benchmark), threads);
      try {
        attack::AttackPipeline pipe(*inverter, *extractor, in, o);
        const double rate = measure(unit, seconds, [&] { pipe.run(plan, 0, 0, 1, 0, unit); });
        if (json) {
          std::printf(
              "{\"samples_per_second\": %.1f, \"precision\": \"%s\", \"batch\": %d, \"threads\": %d, "
              "\"device\": \"%s\", \"cuda_graph\": %s}\n",
              rate, name_of(o.precision).c_str(), b, threads, device.c_str(), o.cuda_graph ? "true" : "false");
          continue;
        }
        std::string extra;
        if (attack::rechecks_in_fp32(o.precision)) {
          const auto r = pipe.recheck_stats();
          extra += fmt::format(
              " rechecked={:.1f}% max_bf16_diff={:.4f}",
              100.0 * static_cast<double>(r.rechecked) / static_cast<double>(std::max<std::int64_t>(r.scored, 1)),
              r.max_difference);
        }
        if (breakdown) {
          const auto t = pipe.time_forward(seconds / 2);
          extra += fmt::format(" generator_ms={:.2f} reembed_ms={:.2f}", 1e3 * t.generator, 1e3 * t.extractor);
        }
        if (!reference.empty())
          extra += guard_line(guard_scores(pipe, guard_templates), reference, thresholds.empty() ? nullptr : &thr);
        std::printf("attack path=tuned %s samples_per_s=%.1f%s\n", what.c_str(), rate, extra.c_str());
      } catch (const std::exception& e) {
        // One configuration the library cannot run (LibTorch 1.13's CPU bf16 transposed
        // convolution, for one) must not cost the other lines of a device session.
        const std::string why = e.what();
        std::printf("attack path=tuned %s failed: %s\n", what.c_str(), why.substr(0, why.find('\n')).c_str());
      }
    }
  }
  return 0;
}
