#include "irrev/pipeline/train_inverter.hpp"

#include <ATen/Context.h>

#include <chrono>
#include <cstdlib>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#ifdef IRREV_WITH_OPENCV
#include <opencv2/imgcodecs.hpp>
#endif
#include <set>

#include "../models/autocast.hpp"
#include "../models/extractor_impl.hpp"
#include "../models/inverter_impl.hpp"
#include "../models/multi_tensor_adam.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/core/progress.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/identity_split.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/pipeline/thresholds.hpp"
#include "irrev/protect/keyed_stream.hpp"
#include "irrev/report/gnuplot.hpp"

namespace irrev::pipeline {
namespace fs = std::filesystem;
namespace F = torch::nn::functional;

namespace {

/// Rows of crops.h5 -> RGB float images in [0, 1] at `size`, N x 3 x size x size.
torch::Tensor load_targets(const h5::File& crops, const std::vector<std::int64_t>& rows, int size) {
  const auto dims = crops.dims("crops");
  const auto bytes = dims[1] * dims[2] * 3;
  std::vector<std::uint8_t> buf(bytes);
  std::vector<torch::Tensor> out;
  for (std::size_t first = 0; first < rows.size(); first += 256) {
    std::size_t count = std::min<std::size_t>(256, rows.size() - first);
    auto chunk = torch::empty({static_cast<int64_t>(count), static_cast<int64_t>(dims[1]),
                               static_cast<int64_t>(dims[2]), 3}, torch::kUInt8);
    for (std::size_t k = 0; k < count; ++k)
      crops.read_rows("crops", h5::Type::u8, static_cast<std::uint64_t>(rows[first + k]), 1,
                      chunk.data_ptr<std::uint8_t>() + k * bytes);
    auto t = chunk.permute({0, 3, 1, 2}).to(torch::kFloat32).div(255.0).flip(1);  // BGR -> RGB
    if (t.size(2) != size)
      t = F::interpolate(t, F::InterpolateFuncOptions().size(std::vector<int64_t>{size, size}).mode(torch::kArea));
    out.push_back(t.contiguous());
  }
  return torch::cat(out);
}

/// A permutation of 0..n-1 keyed by (seed, epoch): the order of an epoch, whoever computes it.
std::vector<std::int64_t> epoch_order(std::int64_t n, std::uint64_t seed, int epoch) {
  std::vector<std::int64_t> p(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) p[static_cast<std::size_t>(i)] = i;
  protect::KeyedStream s(seed, 0xE90C0000ull + static_cast<std::uint64_t>(epoch), 0);
  for (std::int64_t i = n - 1; i > 0; --i)
    std::swap(p[static_cast<std::size_t>(i)], p[s.below(static_cast<std::uint32_t>(i + 1))]);
  return p;
}

/// A checkpoint folder holds the three files we write; they are removed by name, without a
/// directory walk. (On the GPU machine, with PyTorch 2.11's LibTorch, a training segfaulted at
/// its second checkpoint, whose only difference from the first was std::filesystem::remove_all
/// on an existing folder; not yet confirmed to be the cause, see scripts/device/README.md.)
void remove_checkpoint_folder(const fs::path& dir) {
  for (const char* f : {"generator.pt", "optimizer.pt", "state.json"}) fs::remove(dir / f);
  fs::remove(dir);
}

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

/// On CUDA, a resumed training must end with the weights of an uninterrupted one: cuDNN's
/// deterministic algorithms only (no timing-based choice) and cuBLAS with a fixed workspace (its
/// documented condition for reproducible results; read when its handle is made, so set before
/// any). Not LibTorch's global deterministic mode: from 2.1 on it also fills every new tensor
/// (a launch per allocation), and the training's other operators (losses, batch norm, Adam,
/// reductions) have no atomics-based CUDA kernels to replace.
void make_cuda_deterministic() {
  setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
  auto& ctx = at::globalContext();
  ctx.setBenchmarkCuDNN(false);
  ctx.setDeterministicCuDNN(true);
}

}  // namespace

std::string run_train_inverter(const dist::Communicator& comm, const TrainInverterOptions& o) {
  const auto& cfg = o.config;
  cfg.validate();
  if (cfg.device.rfind("cuda", 0) == 0) make_cuda_deterministic();
  auto set = data::read_template_set(o.templates);
  h5::File crops(o.crops, h5::File::Mode::read);
  auto crop_names = crops.read_strings("images/name");
  IRREV_CHECK(crop_names == set.images.names, "'{}' and '{}' do not hold the same images in the same order",
              o.templates, o.crops);
  auto extractor = models::Extractor::load(o.extractor, cfg.device);
  const auto& xinfo = extractor->info();
  IRREV_CHECK(xinfo.embedding_size == set.dim, "extractor '{}' gives {}-D templates, '{}' holds {}-D",
              o.extractor, xinfo.embedding_size, o.templates, set.dim);
  Thresholds thresholds;
  if (!o.thresholds.empty()) thresholds = read_thresholds(o.thresholds);

  // The identity split: evaluation subjects never reach training.
  std::vector<std::int64_t> train, val, eval;
  std::set<std::string> training_subjects, eval_seen;
  for (std::int64_t i = 0; i < set.count; ++i) {
    const auto& s = set.images.subjects[static_cast<std::size_t>(i)];
    if (data::is_evaluation_subject(s, cfg.seed, cfg.eval_share)) {
      if (eval_seen.insert(s).second) eval.push_back(i);  // one image per evaluation subject
      continue;
    }
    training_subjects.insert(s);
    (data::subject_hash01(s, cfg.seed + 1) < cfg.validation_share ? val : train).push_back(i);
  }
  IRREV_CHECK(!train.empty() && !eval.empty(), "the identity split leaves no training or no evaluation images");
  const int size = cfg.generator.output_size();
  torch::Device device(cfg.device);
  auto targets = load_targets(crops, train, size);
  auto val_targets = load_targets(crops, val, size);
  auto all_templates = torch::from_blob(set.values.data(), {set.count, set.dim}, torch::kFloat32);
  auto index = [](const std::vector<std::int64_t>& v) { return torch::tensor(v, torch::kInt64); };
  auto train_z = all_templates.index_select(0, index(train));
  if (device.is_cuda()) {
    // The training set lives on the GPU (LFW: ~1.4 GB as float): no host gather and copy per step.
    targets = targets.to(device);
    train_z = train_z.to(device);
  }
  auto val_z = val.empty() ? torch::empty({0, set.dim}) : all_templates.index_select(0, index(val));

  torch::manual_seed(cfg.seed);
  models::Generator gen(set.dim, cfg.generator);
  gen->to(device);
  models::MultiTensorAdam opt(gen->parameters(), cfg.learning_rate);
  auto& xi = extractor->impl();

  // Resume from the last finished epoch when the checkpoint was made by the same training.
  const fs::path out(o.out_dir), ckpt = out / "checkpoint", previous = out / "checkpoint.old";
  // A kill between the two renames of a checkpoint rotation leaves only the previous one.
  if (comm.is_master() && !fs::exists(ckpt / "state.json") && fs::exists(previous / "state.json")) fs::rename(previous, ckpt);
  comm.barrier();
  // The number of epochs and the time limit may grow between runs: a schedule can be extended.
  auto keyed = nlohmann::json::parse(cfg.to_json());
  keyed.erase("epochs");
  keyed.erase("max_minutes");
  // "optimizer": checkpoints of torch::optim::Adam (before MultiTensorAdam) hold another state.
  const std::string key = nlohmann::json{{"config", keyed}, {"templates", o.templates}, {"optimizer", "multi-tensor adam"},
                                         {"extractor", xinfo.to_json()}, {"ranks", comm.size()}}.dump();
  int start_epoch = 0;
  nlohmann::json history = nlohmann::json::array();
  if (fs::exists(ckpt / "state.json") && o.replace_foreign_checkpoint) {
    std::ifstream f(ckpt / "state.json");
    if (nlohmann::json::parse(f).at("key") != key) {
      if (comm.is_master())
        spdlog::warn("train-inverter: '{}' holds a checkpoint of another training; starting over", ckpt.string());
      comm.barrier();  // every rank has read it before rank 0 removes it
      if (comm.is_master()) remove_checkpoint_folder(ckpt);
      comm.barrier();
    }
  }
  if (fs::exists(ckpt / "state.json")) {
    std::ifstream f(ckpt / "state.json");
    auto state = nlohmann::json::parse(f);
    IRREV_CHECK(state.at("key") == key,
                "'{}' holds a checkpoint of another training (configuration, data or rank count differ); "
                "remove it or choose another output folder", ckpt.string());
    torch::load(gen, (ckpt / "generator.pt").string());
    opt.load((ckpt / "optimizer.pt").string());
    start_epoch = state.at("epoch").get<int>() + 1;
    history = state.at("history");
    if (comm.is_master()) spdlog::info("train-inverter: resuming after epoch {}", start_epoch);
  }
  if (comm.is_master())
    spdlog::info("train-inverter: {} training, {} validation, {} evaluation images ({} training identities); "
                 "{}-px output on {}", train.size(), val.size(), eval.size(), training_subjects.size(), size, cfg.device);

  // Reconstructions through the extractor: L2-normalised embeddings, differentiable.
  auto embed_recon = [&](const torch::Tensor& recon) {
    auto emb = xi.forward(xi.from_rgb(recon));
    return emb / emb.norm(2, 1, true).clamp_min(1e-12);
  };
  auto loss_of = [&](const torch::Tensor& recon, const torch::Tensor& x, const torch::Tensor& z) {
    auto mse = F::mse_loss(recon, x);
    auto ss = 1.0 - models::ssim(recon, x);
    torch::Tensor id = torch::zeros({}, recon.options());
    if (cfg.id_weight != 0) {  // the extractor forward and backward is the dearest part
      auto emb = embed_recon(recon);
      id = cfg.id_loss == "mse" ? F::mse_loss(emb, z) : (1.0 - (emb * z).sum(1)).mean();
    }
    return std::array<torch::Tensor, 4>{cfg.mse_weight * mse + cfg.ssim_weight * ss + cfg.id_weight * id, mse, ss, id};
  };

  const auto t_start = std::chrono::steady_clock::now();
  const auto n_train = static_cast<std::int64_t>(train.size());
  const std::int64_t batches = n_train / cfg.batch;  // the last partial batch is dropped
  int epoch = start_epoch;
  for (; epoch < cfg.epochs; ++epoch) {
    const double lr = cfg.learning_rate * std::pow(0.5, epoch / cfg.halve_every);
    opt.set_lr(lr);
    auto order = epoch_order(n_train, cfg.seed, epoch);
    gen->train();
    // Summed on the device and read once per epoch: a read per step would stall a GPU's queue.
    auto loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device));
    const auto t0 = std::chrono::steady_clock::now();
    Progress progress(fmt::format("epoch {}", epoch + 1), batches, comm.is_master() && o.progress);
    for (std::int64_t b = 0; b < batches; ++b) {
      // Each rank takes its slice of the global batch; gradients are averaged over ranks.
      const std::int64_t per = cfg.batch / comm.size(), first = b * cfg.batch + comm.rank() * per;
      std::vector<std::int64_t> rows(order.begin() + first, order.begin() + first + per);
      auto idx = index(rows).to(targets.device());
      auto x = targets.index_select(0, idx).to(device), z = train_z.index_select(0, idx).to(device);
      std::array<torch::Tensor, 4> l;
      {
        torch::Tensor recon;
        {
          models::AutocastGuard autocast(cfg.bf16, device);
          recon = gen->forward(z).to(torch::kFloat32);
        }
        l = loss_of(recon, x, z);
      }
      opt.zero_grad();
      l[0].backward();
      if (comm.size() > 1) {  // one all-reduce of every gradient, flattened
        std::vector<torch::Tensor> flat;
        for (auto& p : gen->parameters()) flat.push_back(p.grad().flatten());
        auto g = torch::cat(flat).to(torch::kCPU).contiguous();
        comm.sum_in_place(g.data_ptr<float>(), g.numel());
        g = g.div_(comm.size()).to(device);
        std::int64_t offset = 0;
        for (auto& p : gen->parameters()) {
          p.mutable_grad().copy_(g.narrow(0, offset, p.numel()).view_as(p));
          offset += p.numel();
        }
      }
      opt.step();
      loss_sum += l[0].detach().to(torch::kFloat64);
      progress.advance(1);
    }
    progress.finish();
    const double sum_loss = loss_sum.item<double>();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // Validation loss, the sample grid and the checkpoint: rank 0.
    double val_loss = NAN;
    if (comm.is_master()) {
      gen->eval();
      torch::NoGradGuard no_grad;
      if (!val.empty()) {
        double s = 0;
        std::int64_t n = 0;
        for (std::int64_t f = 0; f < val_targets.size(0); f += 64) {
          auto x = val_targets.narrow(0, f, std::min<std::int64_t>(64, val_targets.size(0) - f)).to(device);
          auto z = val_z.narrow(0, f, x.size(0)).to(device);
          s += loss_of(gen->forward(z), x, z)[0].item<double>() * static_cast<double>(x.size(0));
          n += x.size(0);
        }
        val_loss = s / static_cast<double>(n);
        const auto k = std::min<std::int64_t>(8, val_targets.size(0));
        write_grid((out / "samples" / fmt::format("epoch_{:03}.png", epoch + 1)).string(),
                   val_targets.narrow(0, 0, k), gen->forward(val_z.narrow(0, 0, k).to(device)).to(torch::kCPU));
      }
      const double rate = static_cast<double>(batches * cfg.batch) / secs;
      history.push_back({{"epoch", epoch + 1}, {"lr", lr}, {"train_loss", sum_loss / static_cast<double>(batches)},
                         {"val_loss", val_loss}, {"seconds", secs}, {"samples_per_second", rate}});
      spdlog::info("train-inverter: epoch {} loss {:.5f} validation {:.5f} ({:.0f} samples/s)", epoch + 1,
                   sum_loss / static_cast<double>(batches), val_loss, rate);
      // The best epoch so far by validation loss (history survives resumes, so does this).
      if (cfg.keep == "best" && !std::isnan(val_loss)) {
        double best = INFINITY;
        for (const auto& h : history)
          if (h["epoch"].get<int>() <= epoch && h["val_loss"].is_number()) best = std::min(best, h["val_loss"].get<double>());
        if (val_loss <= best) {
          torch::save(gen, (out / "best_generator.pt.tmp").string());
          fs::rename(out / "best_generator.pt.tmp", out / "best_generator.pt");
        }
      }
      if ((epoch + 1) % o.checkpoint_every == 0) {
        // Written aside, then swapped in by renames: a kill at any point leaves a whole
        // checkpoint (the new one, or the previous one that resume falls back to).
        const fs::path tmp = out / "checkpoint.tmp";
        remove_checkpoint_folder(tmp);
        fs::create_directories(tmp);
        torch::save(gen, (tmp / "generator.pt").string());
        opt.save((tmp / "optimizer.pt").string());
        std::ofstream(tmp / "state.json") << nlohmann::json{{"key", key}, {"epoch", epoch}, {"history", history}}.dump();
        remove_checkpoint_folder(previous);
        if (fs::exists(ckpt)) fs::rename(ckpt, previous);
        fs::rename(tmp, ckpt);
        remove_checkpoint_folder(previous);
      }
      std::ofstream csv(out / "losses.csv");
      csv << "epoch,lr,train_loss,val_loss,seconds,samples_per_second\n";
      for (const auto& h : history)
        csv << fmt::format("{},{},{},{},{},{}\n", h["epoch"].get<int>(), h["lr"].get<double>(),
                           h["train_loss"].get<double>(), h["val_loss"].is_null() ? NAN : h["val_loss"].get<double>(),
                           h["seconds"].get<double>(), h["samples_per_second"].get<double>());
      csv.close();
      if (report::gnuplot_available())
        report::plot_training_curves((out / "losses.csv").string(), (out / "training_curves.png").string(),
                                     fmt::format("inverter training ({} {}-px, {} identities)", xinfo.name, size,
                                                 training_subjects.size()));
      else if (epoch == start_epoch)
        spdlog::warn("train-inverter: gnuplot is not installed, so no training_curves.png (scripts/setup.sh installs it)");
    }
    const double minutes = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count() / 60;
    std::string stop = cfg.max_minutes > 0 && minutes >= cfg.max_minutes ? "1" : "0";
    comm.broadcast(stop, 0);  // every rank stops after the same epoch
    if (stop == "1") {
      ++epoch;
      break;
    }
  }

  if (!comm.is_master()) return "{}";
  int best_epoch = 0;
  if (cfg.keep == "best" && fs::exists(out / "best_generator.pt")) {
    torch::load(gen, (out / "best_generator.pt").string());
    double best = INFINITY;
    for (const auto& h : history)
      if (h["val_loss"].is_number() && h["val_loss"].get<double>() < best) {
        best = h["val_loss"].get<double>();
        best_epoch = h["epoch"].get<int>();
      }
  }
  models::InverterInfo info;
  info.config = cfg;
  info.template_dim = set.dim;
  info.extractor_json = xinfo.to_json();
  info.training_subjects.assign(training_subjects.begin(), training_subjects.end());
  info.epochs_done = std::min(epoch, cfg.epochs);
  const std::string model = (out / "inverter.pt").string();
  models::save_inverter(model, gen, info);

  // Type-I attack on unprotected evaluation templates: reconstruct, re-embed, compare.
  gen->eval();
  torch::NoGradGuard no_grad;
  std::vector<double> scores;
  auto eval_z = all_templates.index_select(0, index(eval));
  for (std::int64_t f = 0; f < eval_z.size(0); f += 64) {
    auto z = eval_z.narrow(0, f, std::min<std::int64_t>(64, eval_z.size(0) - f)).to(device);
    auto emb = embed_recon(gen->forward(z));
    auto cos = (emb * z).sum(1).to(torch::kCPU).to(torch::kFloat64).contiguous();
    scores.insert(scores.end(), cos.data_ptr<double>(), cos.data_ptr<double>() + cos.numel());
  }
  double mean = 0;
  for (double s : scores) mean += s / static_cast<double>(scores.size());
  nlohmann::json summary{{"model", model},
                         {"epochs", info.epochs_done},
                         {"kept", cfg.keep == "best" ? fmt::format("epoch {} (lowest validation loss)", best_epoch)
                                                     : std::string("last epoch")},
                         {"training_images", train.size()},
                         {"validation_images", val.size()},
                         {"evaluation_templates", eval.size()},
                         {"training_identities", training_subjects.size()},
                         {"mean_type1_score", mean},
                         {"history", history}};
  if (!o.thresholds.empty()) {
    auto rsr = [&](double t) {
      std::int64_t k = 0;
      for (double s : scores) k += s >= t;
      return static_cast<double>(k) / static_cast<double>(scores.size());
    };
    summary["type1_rsr"] = {{"fmr0.001", rsr(thresholds.fmr_0_1)}, {"fmr0.01", rsr(thresholds.fmr_1)}};
    summary["thresholds"] = {{"fmr0.001", thresholds.fmr_0_1}, {"fmr0.01", thresholds.fmr_1}, {"source", thresholds.source}};
  }
  return summary.dump(2);
}

}  // namespace irrev::pipeline
