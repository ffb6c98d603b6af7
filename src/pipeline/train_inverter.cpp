#include "irrev/pipeline/train_inverter.hpp"

#include <torch/serialize.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "../dist/gradient_sum.hpp"
#include "../models/autocast.hpp"
#include "../models/device_memory.hpp"
#include "../models/inverter_impl.hpp"
#include "../models/inverter_loss.hpp"
#include "../models/multi_tensor_adam.hpp"
#include "inverter_evaluation.hpp"
#include "inverter_training_data.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/core/output_lock.hpp"
#include "irrev/core/paths.hpp"
#include "irrev/core/progress.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/dist/message_tags.hpp"
#include "irrev/dist/stop_signal.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/models/extractor_info.hpp"
#include "irrev/pipeline/training_summary.hpp"
#include "irrev/protect/keyed_stream.hpp"
#include "training_callbacks.hpp"
#include "training_checkpoint.hpp"
#include "training_environment.hpp"

namespace irrev::pipeline {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// Batches between two checks of the time limit (each check is one all-reduce of the ranks).
constexpr std::int64_t kTimeCheckBatches = 8;

/// A permutation of 0..n-1 keyed by (seed, epoch): the order of an epoch, whoever computes it.
std::vector<std::int64_t> epoch_order(std::int64_t n, std::uint64_t seed, int epoch) {
  std::vector<std::int64_t> p(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) p[static_cast<std::size_t>(i)] = i;
  protect::KeyedStream s(seed, 0xE90C0000ull + static_cast<std::uint64_t>(epoch), 0);
  protect::keyed_shuffle(p, s);
  return p;
}

double minutes_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count() / 60;
}

/// One training on the ranks of a communicator: the data, the network, the optimizer and the
/// checkpoint, and the steps of an epoch.
class InverterTraining {
 public:
  InverterTraining(const dist::Communicator& comm, const TrainInverterOptions& o)
      : m_comm(comm),
        m_o(o),
        m_cfg(o.config),
        m_in(detail::open_training_inputs(o)),
        m_split(detail::split_training_identities(m_in.set, m_cfg)),
        m_device(models::torch_device(m_cfg.device)),
        m_out(o.out_dir),
        m_gen(nullptr),
        m_loss(m_cfg, m_in.extractor->impl()) {
    const int size = m_cfg.generator.output_size();
    m_train = detail::load_training_samples(comm, *m_in.crops, m_in.set, m_split.train, size, m_cfg, *m_in.extractor);
    auto unaltered = m_cfg;  // validation: the held-out faces as they are
    unaltered.flip = false;
    unaltered.shift = 0;
    m_val = detail::load_training_samples(comm, *m_in.crops, m_in.set, m_split.val, size, unaltered, *m_in.extractor);
    if (m_device.is_cuda()) place_training_set_on_device();
    torch::manual_seed(m_cfg.seed);
    m_gen = models::Generator(m_in.set.dim, m_cfg.generator);
    m_gen->to(m_device);
    m_opt = std::make_unique<models::MultiTensorAdam>(m_gen->parameters(), m_cfg.learning_rate);
    m_batches = m_train.size() / m_cfg.batch;  // the last partial batch is dropped
    if (o.epoch_batches > 0) m_batches = std::min(m_batches, o.epoch_batches);
  }

  /// The training set lives on the GPU where it takes at most half of the card's memory (the
  /// rest is for the networks and their activations): no host gather and copy per step. LFW at
  /// 112 px is ~1.4 GB as float; 70,000 FFHQ faces at 112 px ~10.5 GB (twice that mirrored).
  /// Otherwise it stays in host memory and each batch is copied over.
  void place_training_set_on_device() {
    const auto bytes = static_cast<double>(m_train.images.nbytes() + m_train.templates.nbytes());
    const double card = models::device_memory_bytes(m_device);
    const bool fits = bytes <= 0.5 * card;
    if (fits) {
      m_train.images = m_train.images.to(m_device);
      m_train.templates = m_train.templates.to(m_device);
    }
    if (m_comm.is_master())
      spdlog::info("train-inverter: the training set ({:.2f} GB) {} ({:.1f} GB card)", bytes / 1e9,
                   fits ? "lives on the device" : "stays in host memory, copied a batch at a time", card / 1e9);
  }

  TrainingSummary run() {
    const auto state = resume();
    m_history = state.history.get<std::vector<EpochRecord>>();
    if (m_comm.is_master()) register_callbacks();
    if (m_comm.is_master())
      spdlog::info(
          "train-inverter: {} training samples ({} crops{}{}), {} validation images ({} training identities); {}-px "
          "output on {}",
          m_train.size(), m_split.train.size(), m_cfg.flip ? ", mirrored" : "",
          m_cfg.shift > 0 ? fmt::format(", shifted by up to {} px", m_cfg.shift) : "", m_val.size(),
          m_split.subjects.size(), m_cfg.generator.output_size(), m_cfg.device.name());
    if (m_comm.is_master() && m_comm.size() > 1)
      spdlog::info("train-inverter: gradients averaged over {} ranks through {}", m_comm.size(),
                   dist::gradient_sum_route(m_device));
    m_start = std::chrono::steady_clock::now();
    std::string stopped_by;
    for (int epoch = state.next_epoch; epoch < m_cfg.epochs; ++epoch) {
      const auto t0 = std::chrono::steady_clock::now();
      const double lr = m_cfg.learning_rate * std::pow(0.5, epoch / m_cfg.halve_every);
      const auto done = train_epoch(epoch, lr);
      if (done.batches <
          m_batches) {  // a partial epoch is not an epoch: checkpoint and history stay at the last whole one
        stopped_by = fmt::format("the time limit (max_minutes = {}) during epoch {}, after {} of its {} batches",
                                 m_cfg.max_minutes, epoch + 1, done.batches, m_batches);
        break;
      }
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (m_comm.is_master()) {
        EpochRecord h;  // the validation figures come in end_epoch
        h.epoch = epoch + 1;
        h.lr = lr;
        h.train_loss = done.loss_sum / static_cast<double>(m_batches);
        h.seconds = secs;
        h.samples_per_second = static_cast<double>(m_batches * m_cfg.batch) / secs;
        end_epoch(epoch, h, epoch == state.next_epoch);
      }
      if (epoch + 1 < m_cfg.epochs && time_is_up()) {
        stopped_by = fmt::format("the time limit (max_minutes = {}) after epoch {}", m_cfg.max_minutes, epoch + 1);
        break;
      }
    }
    if (!stopped_by.empty() && m_comm.is_master())
      spdlog::warn(
          "train-inverter: stopped by {} of {}: the inverter is less trained than its configuration asks (the "
          "same command with a larger max_minutes, or 0, continues from the last checkpoint)",
          stopped_by, m_cfg.epochs);
    return m_comm.is_master() ? finish(stopped_by) : TrainingSummary{};
  }

 private:
  struct EpochDone {
    std::int64_t batches = 0;
    double loss_sum = 0;
  };

  /// The checkpoint of this training, resumed when there is one.
  detail::TrainingCheckpoint::State resume() {
    // The number of epochs and the time limit may grow between runs: a schedule can be extended.
    json keyed = m_cfg.to_json();
    keyed.erase("epochs");
    keyed.erase("max_minutes");
    // "optimizer": checkpoints of torch::optim::Adam (before MultiTensorAdam) hold another state.
    m_ckpt = std::make_unique<detail::TrainingCheckpoint>(m_out, json{{"config", keyed},
                                                                      {"templates", m_o.templates},
                                                                      {"optimizer", "multi-tensor adam"},
                                                                      {"extractor", m_in.extractor->info().to_text()},
                                                                      {"ranks", m_comm.size()}}
                                                                     .dump());
    if (m_comm.is_master()) m_ckpt->recover_rotation();
    // Rank 0 decides what is there and every rank follows: on a shared file system with cached
    // attributes ranks could see different things and enter different collective calls.
    const bool exists = m_comm.agree(m_comm.is_master() && m_ckpt->exists());
    const bool foreign = m_comm.agree(m_comm.is_master() && exists && !m_ckpt->same_training());
    if (m_o.replace_foreign_checkpoint && foreign) {
      if (m_comm.is_master())
        spdlog::warn("train-inverter: '{}' holds a checkpoint of another training; starting over", m_ckpt->path());
      m_comm.barrier();  // every rank has read it before rank 0 removes it
      if (m_comm.is_master()) m_ckpt->discard();
      m_comm.barrier();
    }
    detail::TrainingCheckpoint::State state;
    if (exists && !(m_o.replace_foreign_checkpoint && foreign)) {
      state = m_ckpt->load(m_gen, *m_opt);
      if (m_comm.is_master()) spdlog::info("train-inverter: resuming after epoch {}", state.next_epoch);
    }
    return state;
  }

  /// Every rank, every few batches: SIGTERM or SIGUSR1 (decided on rank 0) ends the training at
  /// once, resumably: the partial epoch is left (the checkpoint holds the last whole one saved),
  /// and the same command continues from there to the weights of an uninterrupted training.
  void stop_if_signalled(int epoch, std::int64_t batches) const {
    if (!m_comm.agree(m_comm.is_master() && dist::stop_signal() != 0)) return;
    throw Stopped(fmt::format(
        "train-inverter: stopped by signal {} during epoch {} (after {} of its {} batches); its last checkpoint "
        "({}) is kept and the same command continues from it",
        dist::stop_signal(), epoch + 1, batches, m_batches, m_ckpt->exists() ? m_ckpt->path() : "none yet"));
  }

  /// Every rank, every few batches: the time limit, decided on rank 0.
  bool time_is_up() const {
    return m_cfg.max_minutes > 0 && m_comm.agree(m_comm.is_master() && minutes_since(m_start) >= m_cfg.max_minutes);
  }

  /// The steps of one epoch (fewer when the time limit comes first).
  EpochDone train_epoch(int epoch, double lr) {
    m_opt->set_lr(lr);
    const auto order = epoch_order(m_train.size(), m_cfg.seed, epoch);
    m_gen->train();
    // Summed on the device and read once per epoch: a read per step would stall a GPU's queue.
    auto loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(m_device));
    Progress progress(fmt::format("epoch {}", epoch + 1), m_batches, m_comm.is_master() && m_o.progress);
    EpochDone done;
    for (; done.batches < m_batches; ++done.batches) {
      if (done.batches % kTimeCheckBatches == 0) {  // every rank at the same batch
        stop_if_signalled(epoch, done.batches);
        if (time_is_up()) break;
      }
      // Each rank takes its slice of the global batch; gradients are averaged over ranks.
      const std::int64_t per = m_cfg.batch / m_comm.size(), first = done.batches * m_cfg.batch + m_comm.rank() * per;
      auto idx =
          torch::tensor(std::vector<std::int64_t>(order.begin() + first, order.begin() + first + per), torch::kInt64)
              .to(m_train.images.device());
      auto x = m_train.images.index_select(0, idx).to(m_device),
           z = m_train.templates.index_select(0, idx).to(m_device);
      torch::Tensor recon;
      {
        models::AutocastGuard autocast(m_cfg.bf16, m_device);
        recon = m_gen->forward(z).to(torch::kFloat32);
      }
      auto l = m_loss(recon, x, z).total;
      m_opt->zero_grad();
      l.backward();
      dist::average_gradients(m_comm, m_gen->parameters());
      m_opt->step();
      loss_sum += l.detach().to(torch::kFloat64);
      progress.advance(1);
    }
    progress.finish();
    done.loss_sum = loss_sum.item<double>();
    return done;
  }

  /// Rank 0 after each whole epoch, in this order: the sample grid (where there are validation
  /// images), the kept weights, the checkpoint, losses.csv and its plot.
  void register_callbacks() {
    if (m_val.size() > 0) m_callbacks.push_back(detail::sample_grid(m_out, m_val, m_device));
    m_callbacks.push_back(detail::keep_best(m_out, m_cfg.keep));
    m_callbacks.push_back(detail::save_checkpoint(*m_ckpt, *m_opt, m_o.checkpoint_every));
    m_callbacks.push_back(
        detail::loss_log(m_out, fmt::format("inverter training ({} {}-px, {} identities)", m_in.extractor->info().name,
                                            m_cfg.generator.output_size(), m_split.subjects.size())));
  }

  /// Rank 0 after an epoch: its validation figures, its line in the log, the callbacks.
  void end_epoch(int epoch, EpochRecord h, bool first_of_run) {
    if (m_val.size() > 0) detail::validate_epoch(m_gen, m_loss, m_val, m_in, m_device, m_o.progress, h);
    m_history.push_back(h);
    spdlog::info(
        "train-inverter: epoch {} loss {:.5f} validation {:.5f}, re-embedded cosine {:.4f}{} ({:.0f} samples/s)",
        epoch + 1, h.train_loss, h.val_loss.value_or(NAN), h.val_cosine.value_or(NAN),
        h.val_rsr_fmr1 ? fmt::format(", RSR at FMR 1 % {:.1f} %", *h.val_rsr_fmr1 * 100) : "", h.samples_per_second);
    for (const auto& c : m_callbacks) c->epoch_end({epoch, m_history, m_gen, first_of_run});
  }

  /// Rank 0: the kept weights into inverter.pt, and the summary with the final evaluation.
  TrainingSummary finish(const std::string& stopped_by) {
    int kept = 0;
    if (m_cfg.keep != models::KeepPolicy::last && fs::exists(m_out / "best_generator.pt")) {
      torch::load(m_gen, (m_out / "best_generator.pt").string());
      kept = detail::kept_epoch(m_cfg.keep, m_history);
    }
    models::InverterInfo info;
    info.config = m_cfg;
    info.template_dim = m_in.set.dim;
    info.extractor_json = m_in.extractor->info().to_text();
    info.training_subjects.assign(m_split.subjects.begin(), m_split.subjects.end());
    if (!m_in.set.images.crop_sha256.empty()) {
      for (const auto* rows : {&m_split.train, &m_split.val})
        for (auto r : *rows) info.training_crops.push_back(m_in.set.images.crop_sha256[static_cast<std::size_t>(r)]);
      std::sort(info.training_crops.begin(), info.training_crops.end());
    }
    info.epochs_done = std::min<int>(static_cast<int>(m_history.size()), m_cfg.epochs);
    const std::string model = (m_out / "inverter.pt").string();
    models::save_inverter(model, m_gen, info);
    TrainingSummary summary;
    summary.model = model;
    summary.epochs = info.epochs_done;
    summary.epochs_planned = m_cfg.epochs;
    if (!stopped_by.empty()) summary.stopped_by = stopped_by;
    summary.kept = kept > 0 ? fmt::format("epoch {} ({})", kept,
                                          m_cfg.keep == models::KeepPolicy::best ? "lowest validation loss"
                                                                                 : "best validation recognition")
                            : std::string("last epoch");
    summary.training_images = static_cast<std::int64_t>(m_split.train.size());
    summary.training_samples = m_train.size();
    summary.validation_images = static_cast<std::int64_t>(m_split.val.size());
    summary.training_identities = static_cast<std::int64_t>(m_split.subjects.size());
    summary.minutes = minutes_since(m_start);
    summary.history = m_history;
    detail::evaluate_inverter(m_gen, m_in, m_o, m_device, summary);
    return summary;
  }

  const dist::Communicator& m_comm;
  const TrainInverterOptions& m_o;
  const models::InverterTrainingConfig& m_cfg;
  const detail::TrainingInputs m_in;
  const detail::TrainingSplit m_split;
  const torch::Device m_device;
  const fs::path m_out;
  detail::TrainingSamples m_train, m_val;
  models::Generator m_gen;
  std::unique_ptr<models::MultiTensorAdam> m_opt;
  const models::InverterLoss m_loss;
  std::unique_ptr<detail::TrainingCheckpoint> m_ckpt;
  std::int64_t m_batches = 0;
  std::vector<EpochRecord> m_history;
  std::vector<std::unique_ptr<detail::TrainingCallback>> m_callbacks;
  std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
};

}  // namespace

TrainingSummary run_train_inverter(const dist::Communicator& comm, const TrainInverterOptions& asked) {
  asked.config.validate();
  const auto o = detail::bf16_only_with_units(comm, asked);
  OutputLock lock;  // one training per output folder
  if (comm.is_master()) {
    require_output_folder(o.out_dir, "inverter output folder (--out)");
    lock = OutputLock(o.out_dir);
  }
  if (o.config.device.is_cuda()) detail::make_cuda_deterministic();
  return InverterTraining(comm, o).run();
}

TrainingSummary train_inverter_on_ranks(const dist::Communicator& comm, const TrainInverterOptions& o, int trainers) {
  if (comm.size() == 1) return detail::train_with_node_cores(comm, o);
  IRREV_CHECK(trainers >= 1 && trainers <= comm.size() - 1,
              "train-inverter: {} training ranks asked for, but the job has {} ranks besides the master", trainers,
              comm.size() - 1);
  IRREV_CHECK(o.config.batch % trainers == 0, "train-inverter: batch {} does not split over {} training ranks",
              o.config.batch, trainers);
  const bool trains = comm.rank() >= 1 && comm.rank() <= trainers;
  auto group = comm.split(trains ? 1 : 0);
  // Every waiting rank hears the end from rank 1, with the summary in its JSON form (the one
  // serialised form it has).
  if (!trains) {
    const auto heard = json::parse(comm.recv_idle(1, dist::kTagTrained));
    if (heard.contains("stopped")) throw Stopped(heard["stopped"].get<std::string>());
    return heard.get<TrainingSummary>();
  }
  TrainingSummary summary;
  try {
    summary = detail::train_with_node_cores(*group, o);
  } catch (const Stopped& e) {
    // The waiting ranks stop with the trainers: they hear it instead of the summary.
    if (group->is_master())
      for (int r = 0; r < comm.size(); ++r)
        if (r < 1 || r > trainers) comm.send(r, dist::kTagTrained, json{{"stopped", e.what()}}.dump());
    throw;
  }
  if (group->is_master()) {
    const std::string text = json(summary).dump();
    for (int r = 0; r < comm.size(); ++r)
      if (r < 1 || r > trainers) comm.send(r, dist::kTagTrained, text);
  }
  return summary;
}

}  // namespace irrev::pipeline
