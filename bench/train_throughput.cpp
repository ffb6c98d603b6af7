// Inverter training throughput: training samples/s of train-inverter on real crops and
// templates (the whole step: generator forward and backward, the loss with SSIM and, where the
// configuration has it, the identity term through the extractor), for a preset or a JSON
// configuration, on one rank or several (under mpiexec), timed over --batches steps.
//   train_throughput --crops crops.h5 --templates t.h5 --extractor fr_feature.pt
//                    [--preset quick-cpu|reference | --config FILE.json] [--device cpu|cuda]
//                    [--bf16] [--threads 2] [--batches 40]
#include <CLI/CLI.hpp>

#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "irrev/core/memory_policy.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/pipeline/train_inverter.hpp"

int main(int argc, char** argv) {
  irrev::core::keep_freed_memory();  // as irrev itself runs
  using namespace irrev;
  CLI::App app{"inverter training throughput"};
  pipeline::TrainInverterOptions o;
  std::string preset = "quick-cpu", device = "cpu", config;
  bool bf16 = false;
  int threads = 1;
  std::int64_t batches = 0;
  app.add_option("--crops", o.crops)->required();
  app.add_option("--templates", o.templates)->required();
  app.add_option("--extractor", o.extractor)->required();
  app.add_option("--preset", preset);
  app.add_option("--config", config, "A JSON configuration (as inverter.pt records it) instead of a preset");
  app.add_option("--device", device);
  app.add_flag("--bf16", bf16);
  app.add_option("--threads", threads);
  app.add_option("--batches", batches, "Time this many steps (0: one whole epoch)");
  CLI11_PARSE(app, argc, argv);
  dist::Communicator comm(&argc, &argv);
  models::set_torch_threads(threads);
  if (!config.empty()) {
    std::ifstream f(config);
    std::stringstream ss;
    ss << f.rdbuf();
    o.config = models::InverterTrainingConfig::parse(ss.str(), config);
  } else {
    o.config = models::InverterTrainingConfig::from_preset(enum_from_name<models::InverterPreset>(preset, "--preset"));
  }
  o.config.epochs = 1;
  o.config.max_minutes = 0;
  o.config.device = Device::parse(device, "--device");
  o.config.validation_share = 0;  // the step alone
  if (bf16) o.config.bf16 = true;
  o.epoch_batches = batches;
  o.out_dir = (std::filesystem::temp_directory_path() / ("irrev_train_bench_" + std::to_string(::getpid()))).string();
  o.progress = false;
  const auto summary = pipeline::run_train_inverter(comm, o);
  std::filesystem::remove_all(o.out_dir);
  if (comm.is_master()) {
    const auto& h = summary.history.back();
    const auto& c = o.config;
    std::printf(
        "train %s device=%s bf16=%d id_weight=%g id_share=%g id_bf16=%d flip=%d size=%d ranks=%d threads=%d "
        "batch=%d samples_per_s=%.1f\n",
        config.empty() ? ("preset=" + preset).c_str() : ("config=" + config).c_str(), device.c_str(), c.bf16 ? 1 : 0,
        c.id_weight, c.id_share, c.id_bf16 ? 1 : 0, c.flip ? 1 : 0, c.generator.output_size(), comm.size(), threads,
        c.batch, h.samples_per_second);
  }
  return 0;
}
