// Attack throughput: attacked samples/s (permute -> invert -> re-embed -> compare) of a trained
// inverter and an extractor on real templates, one line per configuration.
//   attack_throughput --inverter inverter.pt --extractor fr_feature.pt --templates t.h5
//                     [--device cpu|cuda] [--batch 16 32 64] [--precision fp32 bf16] [--eager]
//                     [--threads 2] [--seconds 10] [--thresholds verify.h5] [--json]
// --eager adds the plain LibTorch path (batch-norm generator in eval mode, unfrozen extractor,
// fp32) as the baseline. --json runs only the device's best configuration and prints
// {"samples_per_second", "precision", "batch", "threads"}. The accuracy guard compares every
// bf16 score with the fp32 one on the same samples.
#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fmt/format.h>

#include "irrev/attack/attack_pipeline.hpp"
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
attack::AttackInputs inputs(const data::TemplateSet& set, std::int64_t n) {
  attack::AttackInputs in;
  in.dim = set.dim;
  n = std::min(n, set.count);
  in.templates.assign(set.values.begin(), set.values.begin() + n * set.dim);
  in.second = in.templates;  // type II against the same rows: the cost is what is measured
  in.has_second.assign(static_cast<std::size_t>(n), 1);
  return in;
}

/// Samples/s of `step(t0)` (one batch from template t0) over about `seconds`.
template <class Step>
double measure(std::int64_t batch, std::int64_t templates, double seconds, const Step& step) {
  step(0);  // warm-up: first-call allocations, oneDNN primitive creation, cuDNN autotuning
  std::int64_t done = 0;
  const auto t0 = Clock::now();
  double s = 0;
  for (std::int64_t i = 0; s < seconds; ++i) {
    step((i * batch) % (templates - batch + 1));
    done += batch;
    s = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  return static_cast<double>(done) / s;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"attack throughput on real templates"};
  std::string inverter_path, extractor_path, templates_path, device = "cpu", thresholds;
  std::vector<int> batches{32};
  std::vector<std::string> precisions{"fp32", "bf16", "bf16-all"};
  int threads = 1;
  double seconds = 10;
  bool eager = false, json = false;
  app.add_option("--inverter", inverter_path)->required();
  app.add_option("--extractor", extractor_path)->required();
  app.add_option("--templates", templates_path)->required();
  app.add_option("--device", device);
  app.add_option("--batch", batches);
  app.add_option("--precision", precisions);
  app.add_option("--threads", threads);
  app.add_option("--seconds", seconds, "time per configuration");
  app.add_option("--thresholds", thresholds, "verify.h5: count decisions that bf16 flips");
  app.add_flag("--eager", eager, "also the plain LibTorch eager fp32 path");
  app.add_flag("--json", json, "only the device's best configuration, as JSON");
  CLI11_PARSE(app, argc, argv);

  models::set_torch_threads(threads);
  auto set = data::read_template_set(templates_path);
  auto inverter = models::Inverter::load(inverter_path, device);
  auto extractor = models::Extractor::load(extractor_path, device);
  const auto perm = [&] {
    protect::KeyedStream s(2021, 0, 0);
    return protect::sample_with_complexity(8, 8, s);
  }();
  if (json) {
    // The best configuration found on each kind of device that keeps the accuracy guard.
    precisions = {"bf16"};
    batches = {device == "cpu" ? 32 : 1024};
  }
  for (int b : batches) {
    auto in = inputs(set, std::max<std::int64_t>(4 * b, 256));
    const auto templates = in.count();
    if (eager && !json) {
      // The baseline: the generator with its batch norms, the extractor as imported, fp32.
      auto& gen = inverter->impl().generator;
      gen->to(extractor->impl().device);
      auto z = torch::from_blob(in.templates.data(), {templates, in.dim}, torch::kFloat32).to(extractor->impl().device);
      const double rate = measure(b, templates, seconds, [&](std::int64_t t0) {
        torch::NoGradGuard no_grad;
        auto x = z.narrow(0, t0, b);
        auto emb = extractor->impl().forward(extractor->impl().from_rgb(gen->forward(x)));
        emb = emb / emb.norm(2, 1, true);
        (emb * x).sum(1).to(torch::kCPU);
      });
      std::printf("attack path=eager device=%s precision=fp32 batch=%d threads=%d samples_per_s=%.1f\n", device.c_str(), b,
                  threads, rate);
    }
    std::vector<float> reference;  // fp32 scores of the guard's samples
    for (const auto& prec : precisions) {
      attack::AttackPipeline pipe(*inverter, *extractor, in, attack::PipelineOptions{b, prec});
      const double rate = measure(b, templates, seconds, [&](std::int64_t t0) { pipe.scores(perm, t0, b); });
      if (json) {
        std::printf("{\"samples_per_second\": %.1f, \"precision\": \"%s\", \"batch\": %d, \"threads\": %d, \"device\": \"%s\"}\n",
                    rate, prec.c_str(), b, threads, device.c_str());
        continue;
      }
      // The accuracy guard: the same 4 batches under every complexity-8 permutation above.
      std::vector<float> scores;
      for (std::int64_t t0 = 0; t0 + b <= templates && t0 < 4 * b; t0 += b) {
        auto s = pipe.scores(perm, t0, b);
        scores.insert(scores.end(), s.begin(), s.begin() + b);  // type I
      }
      std::string guard;
      if (prec == "fp32") {
        reference = scores;
      } else if (!reference.empty()) {
        double worst = 0;
        int flips = 0;
        pipeline::Thresholds t;
        if (!thresholds.empty()) t = pipeline::read_thresholds(thresholds);
        for (std::size_t i = 0; i < scores.size(); ++i) {
          worst = std::max(worst, static_cast<double>(std::fabs(scores[i] - reference[i])));
          if (!thresholds.empty())
            flips += ((scores[i] >= t.fmr_0_1) != (reference[i] >= t.fmr_0_1)) + ((scores[i] >= t.fmr_1) != (reference[i] >= t.fmr_1));
        }
        guard = thresholds.empty() ? fmt::format(" max_abs_cos_diff_vs_fp32={:.5f} samples={}", worst, scores.size())
                                   : fmt::format(" max_abs_cos_diff_vs_fp32={:.5f} decision_flips={}/{}", worst, flips,
                                                 2 * scores.size());
      }
      std::printf("attack path=tuned device=%s precision=%s batch=%d threads=%d samples_per_s=%.1f%s\n", device.c_str(),
                  prec.c_str(), b, threads, rate, guard.c_str());
    }
  }
  return 0;
}
