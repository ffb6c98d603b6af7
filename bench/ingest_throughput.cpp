// Ingest throughput: images/s of the face cropper (decode, detect, landmarks, align) on one
// core, on real images of an LFW-layout folder; with --png-size S, on the same images first
// enlarged to S x S and written as PNG (untimed), as FFHQ's 1024 x 1024 PNGs are.
//   ingest_throughput --images DIR [--models DIR] [--n 500] [--png-size 1024 --scratch DIR]
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fmt/format.h>

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
  int png_size = 0;
  std::string scratch = "/tmp/irrev_ingest_png";
  app.add_option("--png-size", png_size, "enlarge each image to this size and store it as PNG first (0: as they are)");
  app.add_option("--scratch", scratch, "where the PNGs go");
  CLI11_PARSE(app, argc, argv);

  cv::setNumThreads(1);
  std::vector<Reject> rejects;
  auto images = data::scan_lfw_folder(images_dir, rejects);
  // Every k-th image, so that the sample spans the whole folder.
  std::size_t step = std::max<std::size_t>(1, images.size() / n);
  vision::FaceCropper cropper(models_dir, {});
  std::vector<std::string> files;
  for (std::size_t i = 0; i < images.size() && files.size() < n; i += step)
    files.push_back((std::filesystem::path(images_dir) / images[i].path).string());
  std::uintmax_t bytes = 0;
  if (png_size > 0) {
    std::filesystem::create_directories(scratch);
    for (auto& f : files) {
      cv::Mat big;
      cv::resize(cv::imread(f), big, cv::Size(png_size, png_size), 0, 0, cv::INTER_CUBIC);
      f = (std::filesystem::path(scratch) / (std::filesystem::path(f).stem().string() + ".png")).string();
      cv::imwrite(f, big);
    }
  }
  for (const auto& f : files) bytes += std::filesystem::file_size(f);
  std::size_t ok = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& f : files) ok += cropper.process_file(f).ok;
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("ingest threads=1 format=%s images=%zu crops=%zu mean_file_kb=%.0f seconds=%.3f images_per_s=%.1f\n",
              png_size > 0 ? fmt::format("png{}", png_size).c_str() : "as-is", files.size(), ok,
              bytes / 1024.0 / std::max<std::size_t>(1, files.size()), s, files.size() / s);
  if (png_size > 0) std::filesystem::remove_all(scratch);
  return 0;
}
