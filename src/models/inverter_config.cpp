#include "irrev/models/inverter_config.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "irrev/core/error.hpp"
#include "irrev/core/json_text.hpp"

namespace irrev::models {

void GeneratorConfig::validate() const {
  IRREV_CHECK(!stage_sizes.empty() && stage_sizes.size() == channels.size(),
              "generator: {} stage sizes but {} channel counts", stage_sizes.size(), channels.size());
  IRREV_CHECK(residual_convs >= 0, "generator: residual_convs must be >= 0");
  for (std::size_t i = 0; i < stage_sizes.size(); ++i) {
    IRREV_CHECK(stage_sizes[i] > 0 && channels[i] > 0, "generator: stage {} has a non-positive size", i);
    if (upsample == GeneratorUpsample::transposed && i > 0) {
      // kernel 4, stride 2: out = 2 (in - 1) + 4 - 2 p needs an integer p >= 0
      int twice_p = 2 * (stage_sizes[i - 1] - 1) + 4 - stage_sizes[i];
      IRREV_CHECK(twice_p >= 0 && twice_p % 2 == 0,
                  "generator: a stride-2 transposed convolution cannot go from {} to {} px", stage_sizes[i - 1],
                  stage_sizes[i]);
    }
  }
}

InverterTrainingConfig InverterTrainingConfig::quick_cpu() {
  InverterTrainingConfig c;
  c.generator.stage_sizes = {4, 8, 16, 32, 64};
  c.generator.channels = {256, 128, 64, 32, 16};
  c.generator.residual_convs = 1;
  c.generator.upsample = GeneratorUpsample::resize;
  // The identity term decides how strong the attacker is (measured on 2 cores, AVX-512-BF16
  // without AMX; bench/RESULTS.md): without it 8 epochs reach a type-I RSR of ~35 % at FMR
  // 0.1 %, with its cosine form 100 %. Through the extractor it is the dearest part of a step,
  // so it takes a quarter of each batch (the batch order is shuffled), in bf16.
  c.id_weight = 0.1;
  c.id_loss = IdLoss::cosine;
  c.id_share = 0.25;
  c.id_bf16 = true;
  // The epoch whose validation reconstructions are recognised most often, not the last one
  // nor the one of the lowest pixel loss (which stops falling long before recognition does).
  c.keep = KeepPolicy::best_rsr;
  c.bf16 = true;  // oneDNN bf16 generator: 2x fp32 on AVX-512-BF16, more with AMX
  // Mirrored crops with their own templates: at the same number of steps a little stronger
  // than twice the epochs over the originals (expected RSR under uniform PE-MIU, 8 blocks).
  c.flip = true;
  // The work is fixed, so that the same inverter comes out on any machine: 3 epochs over the
  // training crops and their mirror images take about 8 minutes on the slower kind of 2-core
  // machine here (AVX-512-BF16 without AMX), which keeps the quickstart within 15 minutes. The
  // time limit is only a safety net.
  c.epochs = 3;
  c.max_minutes = 30;
  c.batch = 32;
  return c;
}

nlohmann::ordered_json InverterTrainingConfig::to_json() const {
  nlohmann::ordered_json j{{"generator",
                            {{"stage_sizes", generator.stage_sizes},
                             {"channels", generator.channels},
                             {"residual_convs", generator.residual_convs},
                             {"upsample", name_of(generator.upsample)}}},
                           {"mse_weight", mse_weight},
                           {"ssim_weight", ssim_weight},
                           {"id_weight", id_weight},
                           {"id_loss", name_of(id_loss)},
                           {"id_share", id_share},
                           {"id_bf16", id_bf16},
                           {"flip", flip},
                           {"learning_rate", learning_rate},
                           {"halve_every", halve_every},
                           {"batch", batch},
                           {"epochs", epochs},
                           {"max_minutes", max_minutes},
                           {"seed", seed},
                           {"eval_share", eval_share},
                           {"validation_share", validation_share},
                           {"device", device.name()},
                           {"bf16", bf16},
                           {"keep", name_of(keep)}};
  // Written only when used, so that the files and job keys of trainings without shifts stay
  // those of the versions before the setting existed.
  if (shift > 0) j["shift"] = shift;
  return j;
}

InverterTrainingConfig InverterTrainingConfig::parse(const std::string& text, const std::string& where) {
  return from_json(parse_json(text, fmt::format("inverter configuration in '{}'", where)), where);
}

InverterTrainingConfig InverterTrainingConfig::from_json(const nlohmann::json& j, const std::string& where) {
  InverterTrainingConfig c;
  try {
    const auto& g = j.at("generator");
    c.generator.stage_sizes = g.at("stage_sizes").get<std::vector<int>>();
    c.generator.channels = g.at("channels").get<std::vector<int>>();
    c.generator.residual_convs = g.at("residual_convs").get<int>();
    c.generator.upsample = enum_from_name<GeneratorUpsample>(g.at("upsample").get<std::string>(), where);
    c.mse_weight = j.at("mse_weight").get<double>();
    c.ssim_weight = j.at("ssim_weight").get<double>();
    c.id_weight = j.at("id_weight").get<double>();
    c.id_loss = enum_from_name<IdLoss>(j.at("id_loss").get<std::string>(), where);
    // Files from before these keys existed trained without them.
    c.id_share = j.value("id_share", 1.0);
    c.id_bf16 = j.value("id_bf16", false);
    c.flip = j.value("flip", false);
    c.shift = j.value("shift", 0);
    c.learning_rate = j.at("learning_rate").get<double>();
    c.halve_every = j.at("halve_every").get<int>();
    c.batch = j.at("batch").get<int>();
    c.epochs = j.at("epochs").get<int>();
    c.max_minutes = j.at("max_minutes").get<double>();
    c.seed = j.at("seed").get<std::uint64_t>();
    c.eval_share = j.at("eval_share").get<double>();
    c.validation_share = j.at("validation_share").get<double>();
    c.device = Device::parse(j.at("device").get<std::string>(), where);
    c.bf16 = j.at("bf16").get<bool>();
    c.keep = enum_from_name<KeepPolicy>(j.value("keep", std::string("last")),
                                        where);  // files from before the key existed kept the last
  } catch (const nlohmann::json::exception& e) {
    IRREV_FAIL("inverter configuration in '{}' is incomplete or mistyped: {}", where, e.what());
  }
  c.validate();
  return c;
}

void InverterTrainingConfig::validate() const {
  generator.validate();
  IRREV_CHECK(shift >= 0 && shift <= 16, "shift must be in [0, 16] pixels, not {}", shift);
  IRREV_CHECK(id_share > 0 && id_share <= 1, "id_share must be in (0, 1], not {}", id_share);
  IRREV_CHECK(std::isfinite(id_weight) && id_weight >= 0 && mse_weight >= 0 && ssim_weight >= 0,
              "loss weights must be finite and >= 0");
  IRREV_CHECK(max_minutes >= 0 && std::isfinite(max_minutes), "max_minutes must be >= 0, not {}", max_minutes);
  IRREV_CHECK(batch > 0 && epochs > 0 && learning_rate > 0 && halve_every > 0,
              "batch, epochs, learning_rate and halve_every must be positive");
  // eval_share 0: the training set is a collection of its own (a job's [data.train]), every
  // identity of it trains, and the attack evaluates on another set.
  IRREV_CHECK(eval_share >= 0 && eval_share < 1 && validation_share >= 0 && validation_share < 1,
              "eval_share must be in [0, 1) and validation_share in [0, 1)");
}

}  // namespace irrev::models
