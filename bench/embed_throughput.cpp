// Embedding throughput: images/s of an extractor on real crops, one line per configuration.
//   embed_throughput --crops crops.h5 --model fr_feature.pt [--batch 64] [--threads 1] [--n 512]
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "irrev/core/memory_policy.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/models/extractor.hpp"

int main(int argc, char** argv) {
  irrev::core::keep_freed_memory();  // as irrev itself runs
  using namespace irrev;
  CLI::App app{"embedding throughput on real crops"};
  std::string crops, model, device = "cpu";
  std::vector<std::int64_t> batches{64};
  std::vector<int> threads{1};
  std::int64_t n = 512;
  app.add_option("--crops", crops)->required();
  app.add_option("--model", model)->required();
  app.add_option("--device", device);
  app.add_option("--batch", batches);
  app.add_option("--threads", threads);
  app.add_option("--n", n, "crops to embed per configuration");
  CLI11_PARSE(app, argc, argv);

  h5::File f(crops, h5::File::Mode::read);
  auto dims = f.dims("crops");
  n = std::min<std::int64_t>(n, static_cast<std::int64_t>(dims[0]));
  std::vector<std::uint8_t> data(static_cast<std::size_t>(n) * dims[1] * dims[2] * 3);
  f.read_rows("crops", h5::Type::u8, 0, static_cast<std::uint64_t>(n), data.data());
  auto ex = models::Extractor::load(model, Device::parse(device, "--device"));
  const std::size_t crop_bytes = dims[1] * dims[2] * 3;
  for (int t : threads) {
    models::set_torch_threads(t);
    for (auto b : batches) {
      ex->embed(data.data(), std::min(b, n));  // warm-up
      auto t0 = std::chrono::steady_clock::now();
      for (std::int64_t i = 0; i < n; i += b) ex->embed(data.data() + i * crop_bytes, std::min(b, n - i));
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::printf(
          "embed model=%s device=%s threads=%d batch=%ld images=%ld seconds=%.3f images_per_s=%.1f per_thread=%.1f\n",
          ex->info().name.c_str(), device.c_str(), t, static_cast<long>(b), static_cast<long>(n), s, n / s, n / s / t);
    }
  }
  return 0;
}
