// The attack counts its successes on the device (on the CPU here, as every build can): the same
// decisions counted on the host from its scores give the same numbers. Real templates of LFW
// images and the real fr_feature extractor; the inverter is a small generator made here with
// keyed random weights and written as an inverter file (what it reconstructs does not matter
// to the counting, only that the scores spread over both sides of the thresholds).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "../common/attack_counting.hpp"
#include "../common/cpu_bf16.hpp"
#include "../common/real_templates.hpp"
#include "irrev/config/job_config.hpp"
#include "irrev/data/template_set.hpp"
#include "models/inverter_impl.hpp"

// Inside the engine's namespace rather than `using namespace irrev`, which in a unity build
// would reach the next file's includes (LibTorch's Device against irrev::Device).
namespace irrev {
namespace fs = std::filesystem;

namespace {
/// Six real templates repeated to 70 rows (more than a batch of 64), the type-II reference of
/// each the next row (one in three without), thresholds inside the spread of the scores.
attack::AttackInputs inputs(const data::TemplateSet& set) {
  attack::AttackInputs in;
  in.dim = set.dim;
  const std::int64_t n = 70;
  for (std::int64_t i = 0; i < n; ++i)
    in.templates.insert(in.templates.end(), set.row(i % set.count), set.row(i % set.count) + set.dim);
  in.second.assign(in.templates.size(), 0.f);
  in.has_second.assign(static_cast<std::size_t>(n), 0);
  for (std::int64_t i = 0; i < n; ++i)
    if (i % 3 != 2) {
      std::copy_n(set.row((i + 1) % set.count), set.dim, in.second.begin() + i * set.dim);
      in.has_second[static_cast<std::size_t>(i)] = 1;
    }
  return in;
}

std::string small_inverter(const data::TemplateSet& set) {
  models::InverterInfo info;
  info.config.generator.stage_sizes = {4, 8, 16, 32};
  info.config.generator.channels = {32, 16, 8, 8};
  info.config.generator.residual_convs = 1;
  info.config.generator.upsample = models::GeneratorUpsample::resize;
  info.template_dim = set.dim;
  info.extractor_json = set.extractor_json;
  torch::manual_seed(7);
  models::Generator g(set.dim, info.config.generator);
  auto path = (fs::temp_directory_path() / ("irrev_small_inverter_" + std::to_string(::getpid()) + ".pt")).string();
  models::save_inverter(path, g, info);
  return path;
}
}  // namespace

TEST(AttackDeviceCounting, MatchesTheHostOnTheCpu) {
  const auto set = data::read_template_set(test_support::real_templates().string());
  auto in = inputs(set);
  auto inv = models::Inverter::load(small_inverter(set), Device::cpu());
  auto ext = models::Extractor::load(config::default_models_dir() + "/fr_feature.pt", Device::cpu());
  // Thresholds at the quartiles of this inverter's type-I scores: both decisions occur.
  attack::AttackPipeline probe(*inv, *ext, in, attack::PipelineOptions{64, attack::Precision::fp32, false});
  auto s = probe.scores(protect::identity(8), 0, 64);
  std::sort(s.begin(), s.begin() + 64);
  in.threshold_fmr01 = s[48];
  in.threshold_fmr1 = s[16];
  ASSERT_LT(in.threshold_fmr1, in.threshold_fmr01) << "the scores do not spread";
  test_support::expect_counts_match_scores(*inv, *ext, in, attack::Precision::fp32, false);
  if (!test_support::cpu_has_bf16_units())
    GTEST_SKIP() << "fp32 checked; the bf16 precisions not: " << test_support::kNoBf16Units;
  for (auto precision : {attack::Precision::bf16, attack::Precision::bf16_all, attack::Precision::bf16_checked,
                         attack::Precision::bf16_all_checked})
    test_support::expect_counts_match_scores(*inv, *ext, in, precision, false);
}

// bf16-checked and bf16-all-checked compute every sample near a threshold again in fp32: those
// samples' scores are fp32's (to the last bits: the recheck's batch is smaller), the others
// bf16's or bf16-all's to the bit, and the counts are fp32's.
TEST(AttackBf16Checked, DecidesAsFp32) {
  if (!test_support::cpu_has_bf16_units()) GTEST_SKIP() << test_support::kNoBf16Units;
  const auto set = data::read_template_set(test_support::real_templates().string());
  auto in = inputs(set);
  auto inv = models::Inverter::load(small_inverter(set), Device::cpu());
  auto ext = models::Extractor::load(config::default_models_dir() + "/fr_feature.pt", Device::cpu());
  const int batch = 64;
  auto options = [&](attack::Precision p) { return attack::PipelineOptions{batch, p, false}; };
  const auto plan = test_support::four_complexities();
  auto all_scores = [&](const attack::AttackPipeline& pipe) {
    std::vector<float> out;  // per entry and batch: 2 x m
    for (const auto& perm : plan.permutations)
      for (std::int64_t t0 = 0; t0 < in.count(); t0 += batch) {
        auto s = pipe.scores(perm, t0, std::min<std::int64_t>(batch, in.count() - t0));
        out.insert(out.end(), s.begin(), s.end());
      }
    return out;
  };
  // Thresholds between two distinct fp32 type-I scores near the quartiles (rows repeat six
  // templates): no score ties one.
  auto f = all_scores(attack::AttackPipeline(*inv, *ext, in, options(attack::Precision::fp32)));
  auto sorted = std::vector<float>(f.begin(), f.begin() + batch);
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  ASSERT_GE(sorted.size(), 4u) << "the scores do not spread";
  const auto q = sorted.size() / 4;
  in.threshold_fmr01 = (double(sorted[3 * q - 1]) + sorted[3 * q]) / 2;
  in.threshold_fmr1 = (double(sorted[q - 1]) + sorted[q]) / 2;
  const auto fp32 = attack::AttackPipeline(*inv, *ext, in, options(attack::Precision::fp32));
  f = all_scores(fp32);
  const auto want = fp32.run(plan, 0, 0, plan.size(), 0, in.count());
  using P = attack::Precision;
  for (auto [unchecked, checked_precision] :
       {std::pair{P::bf16, P::bf16_checked}, {P::bf16_all, P::bf16_all_checked}}) {
    SCOPED_TRACE(name_of(checked_precision));
    const auto a = all_scores(attack::AttackPipeline(*inv, *ext, in, options(unchecked)));
    // The margin 1.5x bf16's largest error here (this untrained generator errs more than a trained
    // one: about 0.05 on the 2-core EPYC), so that the decisions must come out as fp32's.
    double worst = 0;
    for (std::size_t j = 0; j < f.size(); ++j) worst = std::max(worst, std::abs(double(a[j]) - f[j]));
    auto checked_options = options(checked_precision);
    checked_options.recheck_margin = 1.5 * worst;
    const auto checked = attack::AttackPipeline(*inv, *ext, in, checked_options);
    const auto c = all_scores(checked);
    ASSERT_EQ(c.size(), f.size());
    std::int64_t near = 0, samples = 0, differ = 0;
    std::size_t at = 0;
    for (std::size_t e = 0; e < plan.permutations.size(); ++e)
      for (std::int64_t t0 = 0; t0 < in.count(); t0 += batch) {
        const auto m = std::min<std::int64_t>(batch, in.count() - t0);
        for (std::int64_t i = 0; i < m; ++i) {
          bool is_near = false;
          for (int type = 0; type < 2; ++type) {
            if (type == 1 && !in.has_second[static_cast<std::size_t>(t0 + i)]) continue;
            const double s = a[at + static_cast<std::size_t>(type * m + i)];
            for (double t : {in.threshold_fmr01, in.threshold_fmr1})
              is_near = is_near || std::abs(s - t) < checked_options.recheck_margin;
          }
          near += is_near;
          ++samples;
          for (int type = 0; type < 2; ++type) {
            const auto j = at + static_cast<std::size_t>(type * m + i);
            if (is_near)
              EXPECT_NEAR(c[j], f[j], 1e-5) << "entry " << e << " row " << t0 + i << " type " << type;
            else
              EXPECT_EQ(c[j], a[j]) << "entry " << e << " row " << t0 + i << " type " << type;
            differ += a[j] != f[j];
          }
        }
        at += static_cast<std::size_t>(2 * m);
      }
    EXPECT_GT(differ, 0) << name_of(unchecked) << " computed fp32's scores";
    EXPECT_GT(near, 0) << "no sample near a threshold: nothing rechecked";
    EXPECT_LT(near, samples) << "every sample near a threshold: no bf16 result kept";
    const auto stats = checked.recheck_stats();
    EXPECT_EQ(stats.rechecked, near);
    EXPECT_EQ(stats.scored, samples);
    EXPECT_LE(stats.max_difference, worst + 1e-5);  // over the rechecked samples only
    EXPECT_GT(stats.max_difference, 0);
    // And the counts of whole units: fp32's.
    const auto got = checked.run(plan, 0, 0, plan.size(), 0, in.count());
    EXPECT_EQ(got.counts, want.counts);
    // The unit's own share of the recheck, which the master logs: the same samples again.
    EXPECT_EQ(got.recheck.rechecked, near);
    EXPECT_EQ(got.recheck.scored, samples);
    EXPECT_EQ(got.recheck.max_difference, stats.max_difference);
  }
}

}  // namespace irrev
