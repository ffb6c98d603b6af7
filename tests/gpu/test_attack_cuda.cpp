// The attack pipeline on CUDA against the fp32 CPU reference, with real models: a trained
// inverter, its extractor, templates and the thresholds of verify. The files are named by
// IRREV_TEST_INVERTER, IRREV_TEST_EXTRACTOR, IRREV_TEST_TEMPLATES and IRREV_TEST_THRESHOLDS
// (scripts/device/gpu_run.sh sets them to what it has just trained); each test says why it is
// skipped where they are unset or no CUDA device is present. The on-device counting on the CPU
// runs in every build: tests/integration/test_attack_counting.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "../common/attack_counting.hpp"
#include "irrev/attack/attack_pipeline.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/models/inverter.hpp"
#include "irrev/pipeline/thresholds.hpp"
#include "irrev/protect/keyed_stream.hpp"
#include "irrev/protect/samplers.hpp"

using namespace irrev;

namespace {
struct Files {
  std::string inverter, extractor, templates, thresholds;
  bool present() const { return !inverter.empty() && !extractor.empty() && !templates.empty() && !thresholds.empty(); }
};
Files files() {
  auto env = [](const char* k) {
    const char* v = std::getenv(k);
    return std::string(v ? v : "");
  };
  return {env("IRREV_TEST_INVERTER"), env("IRREV_TEST_EXTRACTOR"), env("IRREV_TEST_TEMPLATES"),
          env("IRREV_TEST_THRESHOLDS")};
}

constexpr std::int64_t kTemplates = 192;

attack::AttackInputs inputs(const Files& f) {
  auto set = data::read_template_set(f.templates);
  auto t = pipeline::read_thresholds(f.thresholds);
  attack::AttackInputs in;
  in.dim = set.dim;
  const auto n = std::min<std::int64_t>(kTemplates, set.count);
  in.templates.assign(set.values.begin(), set.values.begin() + n * set.dim);
  // Type II against the next template (another image, usually of someone else), one in three without.
  in.second.assign(in.templates.size(), 0.f);
  in.has_second.assign(static_cast<std::size_t>(n), 0);
  for (std::int64_t i = 0; i < n; ++i)
    if (i % 3 != 2) {
      std::copy_n(set.row((i + 1) % n), set.dim, in.second.begin() + i * set.dim);
      in.has_second[static_cast<std::size_t>(i)] = 1;
    }
  in.threshold_fmr01 = t.fmr_0_1;
  in.threshold_fmr1 = t.fmr_1;
  return in;
}

/// Type-I and type-II scores of every template under every plan entry, from the per-batch API:
/// per entry, n type-I scores then n type-II scores, whatever the pipeline's batch.
std::vector<float> all_scores(const attack::AttackPipeline& pipe, const attack::Plan& p, std::int64_t n) {
  std::vector<float> out;
  const int b = pipe.options().batch;
  for (const auto& perm : p.permutations) {
    std::vector<float> type1, type2;
    for (std::int64_t t0 = 0; t0 < n; t0 += b) {
      const auto m = std::min<std::int64_t>(b, n - t0);
      auto s = pipe.scores(perm, t0, m);
      type1.insert(type1.end(), s.begin(), s.begin() + m);
      type2.insert(type2.end(), s.begin() + m, s.end());
    }
    out.insert(out.end(), type1.begin(), type1.end());
    out.insert(out.end(), type2.begin(), type2.end());
  }
  return out;
}

bool have_cuda() { return models::cuda_device_count() > 0; }
}  // namespace

TEST(AttackDeviceCounting, MatchesTheHostOnCuda) {
  if (!files().present()) GTEST_SKIP() << "IRREV_TEST_INVERTER/EXTRACTOR/TEMPLATES/THRESHOLDS are not set";
  if (!have_cuda()) GTEST_SKIP() << "no CUDA device";
  const auto f = files();
  const auto in = inputs(f);
  auto inv = models::Inverter::load(f.inverter, Device::cuda());
  auto ext = models::Extractor::load(f.extractor, Device::cuda());
  test_support::expect_counts_match_scores(*inv, *ext, in, attack::Precision::bf16, false);
  test_support::expect_counts_match_scores(*inv, *ext, in, attack::Precision::bf16, true);
}

/// Every tuned CUDA configuration the bench measures against the fp32 CPU reference: per-sample
/// cosine within 1e-2 and RSR within 0.5 percentage points (issue 8's accuracy guard).
TEST(AttackCuda, TunedConfigurationsStayWithinTheGuardOfTheFp32CpuReference) {
  if (!files().present()) GTEST_SKIP() << "IRREV_TEST_INVERTER/EXTRACTOR/TEMPLATES/THRESHOLDS are not set";
  if (!have_cuda()) GTEST_SKIP() << "no CUDA device";
  const auto f = files();
  auto in = inputs(f);
  const auto p = test_support::four_complexities();
  auto cpu_inv = models::Inverter::load(f.inverter, Device::cpu());
  auto cpu_ext = models::Extractor::load(f.extractor, Device::cpu());
  const auto ref =
      all_scores(attack::AttackPipeline(*cpu_inv, *cpu_ext, in, {64, attack::Precision::fp32, false}), p, in.count());
  auto inv = models::Inverter::load(f.inverter, Device::cuda());
  auto ext = models::Extractor::load(f.extractor, Device::cuda());
  std::vector<std::pair<std::string, attack::PipelineOptions>> configs;
  using attack::Precision;
  for (auto prec : {Precision::fp32, Precision::bf16, Precision::fp16, Precision::fp16_all})
    configs.push_back({name_of(prec), {256, prec}});
  for (auto precision : {Precision::bf16, Precision::fp16}) {
    const std::string prec = name_of(precision);
    attack::PipelineOptions o{256, precision};
    o.fused_relu = true;
    configs.push_back({prec + " fused", o});
    o.fused_relu = false;
    o.transposed_upsampling = true;
    configs.push_back({prec + " transposed", o});
    o.transposed_upsampling = false;
    o.channels_last = o.extractor_channels_last = false;
    configs.push_back({prec + " nchw", o});
  }
  for (const auto& [name, options] : configs) {
    const auto got = all_scores(attack::AttackPipeline(*inv, *ext, in, options), p, in.count());
    ASSERT_EQ(got.size(), ref.size());
    double worst = 0;
    for (double t : {in.threshold_fmr01, in.threshold_fmr1}) {
      long diff = 0;
      for (std::size_t i = 0; i < got.size(); ++i) {
        worst = std::max(worst, std::fabs(static_cast<double>(got[i]) - ref[i]));
        diff += static_cast<long>(got[i] >= t) - static_cast<long>(ref[i] >= t);
      }
      EXPECT_LE(std::fabs(100.0 * static_cast<double>(diff) / static_cast<double>(got.size())), 0.5)
          << name << ": RSR moved by more than 0.5 percentage points at threshold " << t;
    }
    EXPECT_LE(worst, 1e-2) << name << ": a per-sample cosine moved by more than 1e-2";
    std::printf("[guard] cuda %s vs cpu fp32: max |cos diff| %.5f over %zu scores\n", name.c_str(), worst, got.size());
  }
}

TEST(AttackCuda, GraphReplayGivesTheEagerScores) {
  if (!files().present()) GTEST_SKIP() << "IRREV_TEST_INVERTER/EXTRACTOR/TEMPLATES/THRESHOLDS are not set";
  if (!have_cuda()) GTEST_SKIP() << "no CUDA device";
  const auto f = files();
  auto in = inputs(f);
  auto inv = models::Inverter::load(f.inverter, Device::cuda());
  auto ext = models::Extractor::load(f.extractor, Device::cuda());
  const auto p = test_support::four_complexities();
  // bf16-all: the extractor under autocast, captured without autocast's cast cache.
  for (auto precision : {attack::Precision::bf16, attack::Precision::bf16_all}) {
    const std::string prec = name_of(precision);
    attack::AttackPipeline eager(*inv, *ext, in, {64, precision, false});
    attack::AttackPipeline graph(*inv, *ext, in, {64, precision, true});
    const auto a = all_scores(eager, p, in.count());
    const auto b = all_scores(graph, p, in.count());
    ASSERT_TRUE(graph.cuda_graph_active()) << prec << ": the forward pass was not captured (see the warning above)";
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << prec << " score " << i;
  }
}
