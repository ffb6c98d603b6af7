#include "training_callbacks.hpp"

#include <torch/serialize.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#ifdef IRREV_WITH_OPENCV
#include <opencv2/imgcodecs.hpp>
#endif

#include "irrev/core/error.hpp"
#include "irrev/core/gnuplot.hpp"
#include "irrev/core/log.hpp"
#include "irrev/core/text_file.hpp"
#include "irrev/pipeline/training_curves.hpp"
#include "training_checkpoint.hpp"

namespace irrev::pipeline::detail {
namespace fs = std::filesystem;

namespace {

/// Originals (top row) above reconstructions (bottom row), as a PNG; a build without OpenCV
/// writes the same pixels as a binary PPM beside the PNG's name (any viewer converts it).
void write_grid(const std::string& path, const torch::Tensor& originals, const torch::Tensor& recon) {
  auto both = torch::cat({torch::cat(originals.unbind(0), 2), torch::cat(recon.unbind(0), 2)}, 1);  // 3 x 2S x kS
  fs::create_directories(fs::path(path).parent_path());
#ifdef IRREV_WITH_OPENCV
  auto img = both.flip(0).permute({1, 2, 0}).mul(255).clamp(0, 255).to(torch::kUInt8).contiguous();  // BGR
  cv::Mat m(static_cast<int>(img.size(0)), static_cast<int>(img.size(1)), CV_8UC3, img.data_ptr<std::uint8_t>());
  IRREV_CHECK(cv::imwrite(path, m), "cannot write sample grid '{}'", path);
#else
  auto img = both.permute({1, 2, 0}).mul(255).clamp(0, 255).to(torch::kUInt8).contiguous();  // RGB
  const std::string ppm = fs::path(path).replace_extension(".ppm").string();
  std::ofstream f(ppm, std::ios::binary);
  f << "P6\n" << img.size(1) << ' ' << img.size(0) << "\n255\n";
  f.write(reinterpret_cast<const char*>(img.data_ptr<std::uint8_t>()), static_cast<std::streamsize>(img.numel()));
  IRREV_CHECK(f.good(), "cannot write sample grid '{}'", ppm);
#endif
}

void write_losses_csv(const fs::path& path, const std::vector<EpochRecord>& history) {
  std::string csv = "epoch,lr,train_loss,val_loss,val_cosine,val_rsr_fmr1,seconds,samples_per_second\n";
  for (const auto& h : history)
    csv += fmt::format("{},{},{},{},{},{},{},{}\n", h.epoch, h.lr, h.train_loss, h.val_loss.value_or(NAN),
                       h.val_cosine.value_or(NAN), h.val_rsr_fmr1.value_or(NAN), h.seconds, h.samples_per_second);
  write_text_file(path.string(), csv, "training log");
}

/// The figure `keep` ranks epochs by (larger is better), or NaN where the epoch has none.
double keep_score(models::KeepPolicy keep, const EpochRecord& h) {
  if (keep == models::KeepPolicy::best) return h.val_loss ? -*h.val_loss : NAN;
  if (keep == models::KeepPolicy::best_rsr) {
    if (!h.val_cosine) return NAN;
    // RSR first; the mean cosine breaks ties (and decides alone without thresholds).
    return h.val_rsr_fmr1.value_or(0) * 4 +
           *h.val_cosine;  // cosines lie in [-1, 1]: the RSR step of 1/n dominates when n < 2
  }
  return NAN;
}

}  // namespace

int kept_epoch(models::KeepPolicy keep, const std::vector<EpochRecord>& history) {
  int best = 0;
  double score = -INFINITY;
  for (const auto& h : history) {
    const double s = keep_score(keep, h);
    if (!std::isnan(s) && s > score) {
      score = s;
      best = h.epoch;
    }
  }
  return best;
}

namespace {

class SampleGrid : public TrainingCallback {
 public:
  SampleGrid(fs::path out, const TrainingSamples& validation, const torch::Device& device)
      : m_out(std::move(out)), m_val(validation), m_device(device) {}
  void epoch_end(const EpochEnd& e) override {
    torch::NoGradGuard no_grad;
    e.generator->eval();
    const auto k = std::min<std::int64_t>(8, m_val.size());
    write_grid((m_out / "samples" / fmt::format("epoch_{:03}.png", e.epoch + 1)).string(), m_val.images.narrow(0, 0, k),
               e.generator->forward(m_val.templates.narrow(0, 0, k).to(m_device)).to(torch::kCPU));
    e.generator->train();
  }

 private:
  fs::path m_out;
  const TrainingSamples& m_val;
  torch::Device m_device;
};

class KeepBest : public TrainingCallback {
 public:
  KeepBest(fs::path out, models::KeepPolicy keep) : m_out(std::move(out)), m_keep(keep) {}
  void epoch_end(const EpochEnd& e) override {
    if (kept_epoch(m_keep, e.history) != e.epoch + 1) return;
    torch::save(e.generator, (m_out / "best_generator.pt.tmp").string());
    sync_path((m_out / "best_generator.pt.tmp").string());  // whole on disk before it takes the name
    fs::rename(m_out / "best_generator.pt.tmp", m_out / "best_generator.pt");
  }

 private:
  fs::path m_out;
  models::KeepPolicy m_keep;
};

class SaveCheckpoint : public TrainingCallback {
 public:
  SaveCheckpoint(const TrainingCheckpoint& checkpoint, const models::MultiTensorAdam& optimizer, int every)
      : m_ckpt(checkpoint), m_opt(optimizer), m_every(every) {}
  void epoch_end(const EpochEnd& e) override {
    if ((e.epoch + 1) % m_every == 0) m_ckpt.save(e.generator, m_opt, e.epoch, nlohmann::json(e.history));
  }

 private:
  const TrainingCheckpoint& m_ckpt;
  const models::MultiTensorAdam& m_opt;
  int m_every;
};

class LossLog : public TrainingCallback {
 public:
  LossLog(fs::path out, std::string title) : m_out(std::move(out)), m_title(std::move(title)) {}
  void epoch_end(const EpochEnd& e) override {
    write_losses_csv(m_out / "losses.csv", e.history);
    if (gnuplot_available())
      plot_training_curves((m_out / "losses.csv").string(), (m_out / "training_curves.png").string(), m_title);
    else if (e.first_of_run)
      spdlog::warn(
          "train-inverter: gnuplot is not installed, so no training_curves.png (scripts/setup.sh installs it)");
  }

 private:
  fs::path m_out;
  std::string m_title;
};

}  // namespace

std::unique_ptr<TrainingCallback> sample_grid(const fs::path& out, const TrainingSamples& validation,
                                              const torch::Device& device) {
  return std::make_unique<SampleGrid>(out, validation, device);
}

std::unique_ptr<TrainingCallback> keep_best(const fs::path& out, models::KeepPolicy keep) {
  return std::make_unique<KeepBest>(out, keep);
}

std::unique_ptr<TrainingCallback> save_checkpoint(const TrainingCheckpoint& checkpoint,
                                                  const models::MultiTensorAdam& optimizer, int every) {
  return std::make_unique<SaveCheckpoint>(checkpoint, optimizer, every);
}

std::unique_ptr<TrainingCallback> loss_log(const fs::path& out, std::string title) {
  return std::make_unique<LossLog>(out, std::move(title));
}

}  // namespace irrev::pipeline::detail
