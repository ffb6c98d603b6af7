#include "irrev/models/inverter_config.hpp"

#include <nlohmann/json.hpp>

#include "irrev/core/error.hpp"

namespace irrev::models {

void GeneratorConfig::validate() const {
  IRREV_CHECK(!stage_sizes.empty() && stage_sizes.size() == channels.size(),
              "generator: {} stage sizes but {} channel counts", stage_sizes.size(), channels.size());
  IRREV_CHECK(upsample == "transposed" || upsample == "resize",
              "generator: upsample must be 'transposed' or 'resize', not '{}'", upsample);
  IRREV_CHECK(residual_convs >= 0, "generator: residual_convs must be >= 0");
  for (std::size_t i = 0; i < stage_sizes.size(); ++i) {
    IRREV_CHECK(stage_sizes[i] > 0 && channels[i] > 0, "generator: stage {} has a non-positive size", i);
    if (upsample == "transposed" && i > 0) {
      // kernel 4, stride 2: out = 2 (in - 1) + 4 - 2 p needs an integer p >= 0
      int twice_p = 2 * (stage_sizes[i - 1] - 1) + 4 - stage_sizes[i];
      IRREV_CHECK(twice_p >= 0 && twice_p % 2 == 0,
                  "generator: a stride-2 transposed convolution cannot go from {} to {} px",
                  stage_sizes[i - 1], stage_sizes[i]);
    }
  }
}

InverterTrainingConfig InverterTrainingConfig::quick_cpu() {
  InverterTrainingConfig c;
  c.generator.stage_sizes = {4, 8, 16, 32, 64};
  c.generator.channels = {256, 128, 64, 32, 16};
  c.generator.residual_convs = 1;
  c.generator.upsample = "resize";
  // The identity loss runs the extractor forward and backward for every sample: on 2 CPU cores
  // that alone is ~10 samples/s against ~300 without it, so the quick preset leaves it out.
  c.id_weight = 0;
  // keep stays "last": on the quickstart, the lowest-validation-loss epoch (3 of 14) reached a
  // type-I RSR of 19.7 % / 52.7 % against 50.6 % / 79.5 % for the last epoch; the pixel loss stops
  // falling on held-out faces long before the identity they carry stops improving.
  c.bf16 = true;  // oneDNN bf16 on AVX-512-BF16/AMX CPUs: 216 samples/s against 105 in fp32
  c.epochs = 1000;
  c.max_minutes = 10;
  c.batch = 32;
  return c;
}

std::string InverterTrainingConfig::to_json() const {
  nlohmann::ordered_json j{
      {"generator",
       {{"stage_sizes", generator.stage_sizes},
        {"channels", generator.channels},
        {"residual_convs", generator.residual_convs},
        {"upsample", generator.upsample}}},
      {"mse_weight", mse_weight},
      {"ssim_weight", ssim_weight},
      {"id_weight", id_weight},
      {"id_loss", id_loss},
      {"learning_rate", learning_rate},
      {"halve_every", halve_every},
      {"batch", batch},
      {"epochs", epochs},
      {"max_minutes", max_minutes},
      {"seed", seed},
      {"eval_share", eval_share},
      {"validation_share", validation_share},
      {"device", device},
      {"bf16", bf16},
      {"keep", keep}};
  return j.dump();
}

InverterTrainingConfig InverterTrainingConfig::from_json(const std::string& text, const std::string& where) {
  InverterTrainingConfig c;
  try {
    auto j = nlohmann::json::parse(text);
    const auto& g = j.at("generator");
    c.generator.stage_sizes = g.at("stage_sizes").get<std::vector<int>>();
    c.generator.channels = g.at("channels").get<std::vector<int>>();
    c.generator.residual_convs = g.at("residual_convs").get<int>();
    c.generator.upsample = g.at("upsample").get<std::string>();
    c.mse_weight = j.at("mse_weight").get<double>();
    c.ssim_weight = j.at("ssim_weight").get<double>();
    c.id_weight = j.at("id_weight").get<double>();
    c.id_loss = j.at("id_loss").get<std::string>();
    c.learning_rate = j.at("learning_rate").get<double>();
    c.halve_every = j.at("halve_every").get<int>();
    c.batch = j.at("batch").get<int>();
    c.epochs = j.at("epochs").get<int>();
    c.max_minutes = j.at("max_minutes").get<double>();
    c.seed = j.at("seed").get<std::uint64_t>();
    c.eval_share = j.at("eval_share").get<double>();
    c.validation_share = j.at("validation_share").get<double>();
    c.device = j.at("device").get<std::string>();
    c.bf16 = j.at("bf16").get<bool>();
    c.keep = j.value("keep", std::string("last"));  // files from before the key existed kept the last
  } catch (const nlohmann::json::exception& e) {
    IRREV_FAIL("inverter configuration in '{}' is incomplete or mistyped: {}", where, e.what());
  }
  c.validate();
  return c;
}

void InverterTrainingConfig::validate() const {
  generator.validate();
  IRREV_CHECK(id_loss == "mse" || id_loss == "cosine", "id_loss must be 'mse' or 'cosine', not '{}'", id_loss);
  IRREV_CHECK(keep == "last" || keep == "best", "keep must be 'last' or 'best', not '{}'", keep);
  IRREV_CHECK(batch > 0 && epochs > 0 && learning_rate > 0 && halve_every > 0,
              "batch, epochs, learning_rate and halve_every must be positive");
  IRREV_CHECK(eval_share > 0 && eval_share < 1 && validation_share >= 0 && validation_share < 1,
              "eval_share must be in (0, 1) and validation_share in [0, 1)");
}

}  // namespace irrev::models
