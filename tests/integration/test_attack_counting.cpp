// The attack counts its successes on the device (on the CPU here, as every build can): the same
// decisions counted on the host from its scores give the same numbers. Real templates of LFW
// images and the real fr_feature extractor; the inverter is a small generator made here with
// keyed random weights and written as an inverter file (what it reconstructs does not matter
// to the counting, only that the scores spread over both sides of the thresholds).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "../common/attack_counting.hpp"
#include "../common/real_templates.hpp"
#include "irrev/config/job_config.hpp"
#include "irrev/data/template_set.hpp"
#include "models/inverter_impl.hpp"

using namespace irrev;
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
  for (auto precision : {attack::Precision::fp32, attack::Precision::bf16, attack::Precision::bf16_all})
    test_support::expect_counts_match_scores(*inv, *ext, in, precision, false);
}
