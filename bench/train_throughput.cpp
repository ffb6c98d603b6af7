// Inverter training throughput: training samples/s of one epoch of train-inverter on real crops
// and templates, for a preset on a device (the whole step: generator forward and backward, the
// loss with SSIM and, where the preset has it, the identity term through the extractor).
//   train_throughput --crops crops.h5 --templates t.h5 --extractor fr_feature.pt
//                    [--preset quick-cpu|reference] [--device cpu|cuda] [--bf16] [--threads 2]
#include <CLI/CLI.hpp>

#include <cstdio>
#include <unistd.h>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "irrev/dist/communicator.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/pipeline/train_inverter.hpp"

int main(int argc, char** argv) {
  using namespace irrev;
  CLI::App app{"inverter training throughput"};
  pipeline::TrainInverterOptions o;
  std::string preset = "quick-cpu", device = "cpu";
  bool bf16 = false;
  int threads = 1;
  app.add_option("--crops", o.crops)->required();
  app.add_option("--templates", o.templates)->required();
  app.add_option("--extractor", o.extractor)->required();
  app.add_option("--preset", preset);
  app.add_option("--device", device);
  app.add_flag("--bf16", bf16);
  app.add_option("--threads", threads);
  CLI11_PARSE(app, argc, argv);
  dist::Communicator comm(&argc, &argv);
  models::set_torch_threads(threads);
  o.config = preset == "reference" ? models::InverterTrainingConfig{} : models::InverterTrainingConfig::quick_cpu();
  o.config.epochs = 1;
  o.config.max_minutes = 0;
  o.config.device = device;
  if (bf16) o.config.bf16 = true;
  o.out_dir = (std::filesystem::temp_directory_path() / ("irrev_train_bench_" + std::to_string(::getpid()))).string();
  o.progress = false;
  auto summary = nlohmann::json::parse(pipeline::run_train_inverter(comm, o));
  std::filesystem::remove_all(o.out_dir);
  if (comm.is_master()) {
    const auto& h = summary["history"].back();
    std::printf("train preset=%s device=%s bf16=%d ranks=%d threads=%d batch=%d samples_per_s=%.1f\n", preset.c_str(),
                device.c_str(), o.config.bf16 ? 1 : 0, comm.size(), threads, o.config.batch,
                h["samples_per_second"].get<double>());
  }
  return 0;
}
