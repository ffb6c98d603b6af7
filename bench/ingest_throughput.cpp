// Ingest throughput: images/s of the face cropper (decode, detect, landmarks, align) on one
// core, on real images of an LFW-layout folder.
//   ingest_throughput --images DIR [--models DIR] [--n 500]
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <opencv2/core.hpp>

#include "irrev/config/job_config.hpp"
#include "irrev/data/lfw_layout.hpp"
#include "irrev/vision/face_cropper.hpp"

int main(int argc, char** argv) {
  using namespace irrev;
  CLI::App app{"ingest throughput on real images"};
  std::string images_dir, models_dir = config::default_models_dir();
  std::size_t n = 500;
  app.add_option("--images", images_dir)->required();
  app.add_option("--models", models_dir);
  app.add_option("--n", n, "images to process");
  CLI11_PARSE(app, argc, argv);

  cv::setNumThreads(1);
  std::vector<Reject> rejects;
  auto images = data::scan_lfw_folder(images_dir, rejects);
  // Every k-th image, so that the sample spans the whole folder.
  std::size_t step = std::max<std::size_t>(1, images.size() / n);
  vision::FaceCropper cropper(models_dir, {});
  std::size_t done = 0, ok = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < images.size() && done < n; i += step, ++done)
    ok += cropper.process_file((std::filesystem::path(images_dir) / images[i].path).string()).ok;
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("ingest threads=1 images=%zu crops=%zu seconds=%.3f images_per_s=%.1f\n", done, ok, s,
              done / s);
  return 0;
}
