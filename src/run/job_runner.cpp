#include "irrev/run/job_runner.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/core/output_lock.hpp"
#include "irrev/core/paths.hpp"
#include "irrev/core/text_file.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/json_reading.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/dist/stop_signal.hpp"
#include "irrev/dist/work_queue.hpp"
#include "irrev/pipeline/agreed_precision.hpp"
#include "irrev/pipeline/attack_stage.hpp"
#include "irrev/pipeline/embed.hpp"
#include "irrev/pipeline/gender_stage.hpp"
#include "irrev/pipeline/ingest.hpp"
#include "irrev/pipeline/train_inverter.hpp"
#include "irrev/pipeline/verify_lfw.hpp"
#include "irrev/pipeline/verify_pe_miu.hpp"
#include "irrev/run/stage_keys.hpp"

namespace irrev::run {
namespace fs = std::filesystem;
using nlohmann::json;
// The runner drives the stages: their options and entry points are its vocabulary.
using namespace irrev::pipeline;  // NOLINT(google-build-using-namespace)

bool up_to_date(const std::string& path, const std::string& key) {
  if (!fs::exists(path)) return false;
  try {
    h5::File f(path, h5::File::Mode::read);
    return f.has_attribute("stage_key") && f.attribute("stage_key") == key;
  } catch (const Error&) {
    return false;
  }
}

namespace {
// train-inverter's output is a LibTorch archive: its stage key lives in a file beside it.
bool inverter_up_to_date(const std::string& dir, const std::string& key) {
  std::ifstream f(dir + "/stage_key.json");
  std::stringstream ss;
  ss << f.rdbuf();
  return f.good() && fs::exists(dir + "/inverter.pt") && ss.str() == key;
}

std::string model_path(const config::JobConfig& j, const config::ExtractorEntry& e) {
  fs::path p(e.model);
  return p.is_relative() && !fs::exists(p) ? (fs::path(j.models_dir) / p).string() : p.string();
}

/// The stage key of a collection's crops, with a scan of its folder (data::collection_fingerprint).
std::string scanned_ingest_key(const config::JobConfig& job, const config::JobConfig::ImageSource& source,
                               const std::string& pairs, const std::string& genders) {
  return ingest_key(job, source, pairs, genders,
                    data::collection_fingerprint(source.layout, source.images, source.list));
}

/// One job on every rank: the stages share the communicator, the options and the summary that
/// rank 0 fills. Decisions (run a stage or skip it) are taken on rank 0 and broadcast, so that
/// all ranks run the same stages.
class JobRun {
 public:
  JobRun(const dist::Communicator& comm, const config::JobConfig& job, const RunOptions& options)
      : m_comm(comm), m_job(job), m_options(options) {
    // The keys list the image folders (a scan of every file): rank 0 makes them, the others
    // receive them, so that a shared file system sees one scan per job, not one per rank.
    if (comm.is_master()) {
      m_ingest_key = scanned_ingest_key(job, job.data_source(), job.pairs, job.genders);
      if (job.has_train_set) m_train_ingest_key = scanned_ingest_key(job, job.train_set, "", "");
    }
    comm.broadcast(m_ingest_key, 0);
    comm.broadcast(m_train_ingest_key, 0);
    // The report finds the stages' files from the run folder (which may be moved) by this.
    const auto from_run = fs::absolute(job.stage_dir())
                              .lexically_normal()
                              .lexically_relative(fs::absolute(job.out_dir).lexically_normal());
    m_summary = json{{"job", job.source},
                     {"out_dir", job.out_dir},
                     {"work_dir", job.stage_dir()},
                     {"work_dir_from_run", from_run.empty() ? "." : from_run.string()}};
  }

  JobOutcome run();

 private:
  /// Every rank, at the start of each stage: whether it runs (after between_stages()).
  bool must_run(bool up_to_date) const {
    between_stages();
    return m_comm.agree(m_options.force || !up_to_date);
  }
  /// Between two stages: a rank given up on in the stage before ends the job (rank 0 throws
  /// before any collective call the stalled rank would hold up; what finished is saved and
  /// stamped); SIGTERM / SIGUSR1 stops the job on every rank, resumably.
  void between_stages() const {
    if (m_comm.is_master() && !dist::stalled_ranks().empty())
      throw RanksStalled(
          fmt::format("run: rank(s) {} stopped answering and were given up on; the stages finished so "
                      "far are saved, and the same command continues",
                      fmt::join(dist::stalled_ranks(), ", ")));
    if (m_comm.agree(m_comm.is_master() && dist::stop_signal() != 0))
      throw Stopped(
          fmt::format("run: stopped by signal {} between two stages; every stage finished so far is kept, "
                      "and the same command continues",
                      dist::stop_signal()));
  }
  /// Rank 0, before any stage: every file the job will read is there, every folder it will
  /// write is writable (a missing model must not cost an ingest of 13,000 images first).
  void check_paths() const;
  /// crops.h5, and crops_train.h5 where the job has its own training set.
  void ingest();
  void ingest_set(const config::JobConfig::ImageSource& source, const std::string& pairs, const std::string& genders,
                  const std::string& out, const std::string& key, const std::string& summary_name);
  /// Templates of `e` from `crops`; returns their stage key.
  std::string embed(const config::ExtractorEntry& e, const std::string& crops, const std::string& crops_key,
                    const std::string& templates);
  /// Verification of `e`'s templates; returns its stage key (empty without error rates).
  std::string verify(const config::ExtractorEntry& e, const std::string& ekey);
  /// The inverter of `e`; returns its stage key.
  /// `train_ekey`: the stage key of the training set's templates (empty: none of its own).
  std::string train_inverter(const config::ExtractorEntry& e, const std::string& ekey, const std::string& vkey,
                             const std::string& train_ekey);
  /// One attack of `e` in `mode`; false when a signal stopped it (the job ends, resumable).
  bool attack(const config::ExtractorEntry& e, const std::string& tkey, AttackMode mode);
  void gender(const config::ExtractorEntry& e);

  const dist::Communicator& m_comm;
  const config::JobConfig& m_job;
  const RunOptions& m_options;
  json m_summary;
  std::vector<int> m_stalled_ranks;  ///< rank 0: the attack's ranks given up on
  std::string m_ingest_key, m_train_ingest_key;
};

JobOutcome JobRun::run() {
  OutputLock lock;  // one run per run folder
  if (m_comm.is_master()) {
    check_paths();  // also makes the output folders
    lock = OutputLock(m_job.out_dir);
  }
  ingest();
  for (const auto& e : m_job.extractors) {
    const std::string ekey = embed(e, m_job.crops_path(), m_ingest_key, m_job.templates_path(e.name));
    const std::string vkey = verify(e, ekey);
    if (!m_job.train_inverter) continue;
    const std::string train_ekey =
        m_job.has_train_set ? embed(e, m_job.train_crops_path(), m_train_ingest_key, m_job.train_templates_path(e.name))
                            : std::string{};
    const std::string tkey = train_inverter(e, ekey, vkey, train_ekey);
    if (!m_job.attack) continue;
    for (const auto& mode : m_job.attack_modes)
      if (!attack(e, tkey, mode)) {
        m_summary["status"] = "resumable";
        return {m_summary, true, m_stalled_ranks};
      }
  }
  if (m_job.gender)
    for (const auto& e : m_job.extractors) gender(e);
  m_summary["status"] = "complete";
  return {m_summary, false, {}};
}

void JobRun::check_paths() const {
  const std::string& src = m_job.source;
  require_output_folder(m_job.out_dir, src + ": run.out_dir");
  require_output_folder(m_job.stage_dir(), src + ": run.work_dir");
  if (m_options.force || !up_to_date(m_job.crops_path(), m_ingest_key)) {
    if (!m_job.images.empty()) require_input_folder(m_job.images, src + ": data.images");
    if (!m_job.list.empty()) require_input_file(m_job.list, src + ": data.list");
    if (!m_job.pairs.empty()) require_input_file(m_job.pairs, src + ": data.pairs");
    if (!m_job.genders.empty()) require_input_folder(m_job.genders, src + ": data.genders");
  }
  if (m_job.has_train_set && (m_options.force || !up_to_date(m_job.train_crops_path(), m_train_ingest_key))) {
    if (!m_job.train_set.images.empty()) require_input_folder(m_job.train_set.images, src + ": data.train.images");
    if (!m_job.train_set.list.empty()) require_input_file(m_job.train_set.list, src + ": data.train.list");
  }
  for (const auto& e : m_job.extractors)
    require_input_file(model_path(m_job, e), src + ": extractor '" + e.name + "' model");
}

void JobRun::ingest() {
  ingest_set(m_job.data_source(), m_job.pairs, m_job.genders, m_job.crops_path(), m_ingest_key, "ingest");
  if (m_job.has_train_set)
    ingest_set(m_job.train_set, "", "", m_job.train_crops_path(), m_train_ingest_key, "ingest_train");
}

void JobRun::ingest_set(const config::JobConfig::ImageSource& source, const std::string& pairs,
                        const std::string& genders, const std::string& out, const std::string& key,
                        const std::string& summary_name) {
  if (!must_run(up_to_date(out, key))) {
    if (m_comm.is_master()) {
      spdlog::info("ingest: '{}' is up to date, skipped", out);
      const h5::File f(out, h5::File::Mode::read);
      m_summary[summary_name] = f.has_attribute("ingest_figures") ? data::json_attribute(f, "ingest_figures")
                                                                  : json("up to date");  // from an earlier version
    }
    return;
  }
  IngestOptions io;
  io.images_dir = source.images;
  io.layout = source.layout;
  io.list_file = source.list;
  io.limit = source.limit;
  io.pairs_file = pairs;
  io.genders_dir = genders;
  io.out = out;
  io.models_dir = m_job.models_dir;
  io.settings = m_job.ingest_settings;
  io.cropper = m_job.cropper;
  io.progress = m_options.progress;
  io.stage_key = key;
  auto s = run_ingest(m_comm, io);
  if (m_comm.is_master()) {
    m_summary[summary_name] = {{"images", s.images}, {"crops", s.crops}, {"rejects", s.rejects.size()}};
  }
}

std::string JobRun::embed(const config::ExtractorEntry& e, const std::string& crops, const std::string& crops_key,
                          const std::string& templates) {
  const std::string model = model_path(m_job, e);
  IRREV_CHECK(fs::is_regular_file(model), "{}: extractor '{}': model '{}' does not exist", m_job.source, e.name, model);
  std::string ekey = embed_key(crops_key, models::sha256_file(model), e.onnx_info, m_job.embed_settings.batch);
  if (must_run(up_to_date(templates, ekey))) {
    EmbedOptions eo;
    eo.crops = crops;
    eo.model = model;
    eo.out = templates;
    eo.settings = m_job.embed_settings;
    eo.onnx_info = e.onnx_info;
    eo.progress = m_options.progress;
    eo.stage_key = ekey;
    run_embed(m_comm, eo);
  } else if (m_comm.is_master()) {
    spdlog::info("embed: '{}' is up to date, skipped", templates);
  }
  return ekey;
}

std::string JobRun::verify(const config::ExtractorEntry& e, const std::string& ekey) {
  const std::string templates = m_job.templates_path(e.name);
  std::string vkey;
  if (m_job.has_protocol(VerifyProtocol::error_rates)) {
    between_stages();  // before the broadcast below, which a stalled rank would hold up
    // Only the block sizes this extractor's D admits (128-D takes 16, 32, 64, 128; 512-D too).
    // Rank 0 reads D from the file's shape and broadcasts it: the broadcast also holds the
    // other ranks until rank 0 has written the templates.
    std::string d = m_comm.is_master()
                        ? std::to_string(h5::File(templates, h5::File::Mode::read).dims("templates").at(1))
                        : std::string{};
    m_comm.broadcast(d, 0);
    const auto dim = std::stoull(d);
    VerifyOptions vo;
    vo.templates = templates;
    vo.settings = m_job.verify_settings;
    vo.settings.blocks.clear();
    for (int b : m_job.verify_settings.blocks)
      if (dim % static_cast<std::uint64_t>(b) == 0) vo.settings.blocks.push_back(b);
    vo.out = m_job.verify_path(e.name);
    vo.progress = m_options.progress;
    const bool all_vs_all = has_all_vs_all(vo.settings.pairs);
    vkey = verify_key(ekey, vo.settings);
    if (must_run(up_to_date(vo.out, vkey) && all_vs_all)) {
      if (all_vs_all) vo.stage_key = vkey;
      auto rows = run_verify(m_comm, vo);
      if (m_comm.is_master()) {
        write_text_file(m_job.stage_dir() + "/verify_" + e.name + ".csv", verify_table_csv(rows), "verify table");
        m_summary["verify"][e.name] = pipeline::verify_table(rows);
      }
    } else if (m_comm.is_master()) {
      spdlog::info("verify: '{}' is up to date, skipped", vo.out);
      h5::File f(vo.out, h5::File::Mode::read);
      m_summary["verify"][e.name] = data::json_attribute(f, "table_json");
    }
  }
  if (m_comm.is_master()) {
    auto set = data::read_template_set(templates);
    json v{{"templates", set.count}, {"dim", set.dim}};
    if (m_job.has_protocol(VerifyProtocol::lfw_view2) && !set.pairs.pairs.empty()) {
      auto acc = verify_lfw_view2(set);
      v["lfw_10fold_accuracy"] = acc.mean;
      v["lfw_10fold_std"] = acc.std;
      spdlog::info("verify: {} LFW 10-fold accuracy {:.4f} +- {:.4f}", e.name, acc.mean, acc.std);
    }
    m_summary["extractors"][e.name] = v;
  }
  return vkey;
}

std::string JobRun::train_inverter(const config::ExtractorEntry& e, const std::string& ekey, const std::string& vkey,
                                   const std::string& train_ekey) {
  const std::string dir = m_job.inverter_dir(e.name);
  auto config = m_job.inverter;
  if (m_job.has_train_set) config.eval_share = 0;  // every identity of its own collection trains
  std::string tkey = inverter_key(ekey, vkey, config, m_job.has_train_set, train_ekey);
  if (!must_run(inverter_up_to_date(dir, tkey))) {
    if (m_comm.is_master()) {
      spdlog::info("train-inverter: '{}/inverter.pt' is up to date, skipped", dir);
      // The training's summary as it ran (a run resumed after the training reports the same).
      const std::string summary = dir + "/training_summary.json";
      m_summary["train_inverter"][e.name] = fs::exists(summary) ? data::json_file(summary) : json("up to date");
    }
    return tkey;
  }
  TrainInverterOptions to;
  to.crops = m_job.crops_path();
  to.templates = m_job.templates_path(e.name);
  if (m_job.has_train_set) {
    to.eval_crops = to.crops;
    to.eval_templates = to.templates;
    to.crops = m_job.train_crops_path();
    to.templates = m_job.train_templates_path(e.name);
  }
  to.extractor = model_path(m_job, e);
  to.out_dir = dir;
  to.thresholds = vkey.empty() ? std::string{} : m_job.verify_path(e.name);
  to.config = config;
  to.progress = m_options.progress;
  to.replace_foreign_checkpoint = true;
  const auto s = train_inverter_on_ranks(m_comm, to, m_job.inverter_trainers);
  if (m_comm.is_master()) {
    write_text_file(dir + "/training_summary.json", json(s).dump(2), "training summary");
    write_text_file(dir + "/stage_key.json", tkey, "stage key");  // last: the stage is done
    m_summary["train_inverter"][e.name] = s;
  }
  return tkey;
}

bool JobRun::attack(const config::ExtractorEntry& e, const std::string& tkey, AttackMode mode) {
  AttackOptions ao;
  ao.templates = m_job.templates_path(e.name);
  ao.crops = m_job.crops_path();
  ao.extractor = model_path(m_job, e);
  ao.inverter = m_job.inverter_dir(e.name) + "/inverter.pt";
  ao.thresholds = m_job.verify_path(e.name);
  ao.out = m_job.attack_path(e.name, mode);
  ao.settings = m_job.attack_settings;
  ao.settings.unshuffle = mode == AttackMode::unshuffled;
  // Before the stage's key, so that the key names the precision that runs.
  ao.settings.precision = agreed_precision(ao.settings.precision, ao.settings.device, m_comm);
  auto& sel = ao.settings.selection;
  if (m_job.genders.empty() && m_job.layout != data::ImageLayout::list && sel.gender_balanced) {
    if (m_comm.is_master())
      spdlog::warn("attack: no gender lists (data.genders), so the template set is not gender-balanced");
    sel.gender_balanced = false;
  }
  ao.progress = m_options.progress;
  const std::string akey = attack_key(tkey, m_job.attack_settings, ao.settings);
  const std::string section = summary_section(mode);
  if (!must_run(up_to_date(ao.out, akey))) {
    if (m_comm.is_master()) {
      spdlog::info("attack: '{}' is up to date, skipped", ao.out);
      h5::File f(ao.out, h5::File::Mode::read);
      m_summary[section][e.name] = data::json_attribute(f, "summary_json");
    }
    return true;
  }
  ao.stage_key = akey;
  auto r = run_attack(m_comm, ao);
  if (m_comm.is_master()) {
    m_summary[section][e.name] = outcome_json(r);
    if (!r.stalled_ranks.empty()) m_summary["stalled_ranks"] = m_stalled_ranks = r.stalled_ranks;
  }
  // A stalled rank takes part in no further stage: the job ends here (the master ends it).
  return r.complete && r.stalled_ranks.empty();
}

void JobRun::gender(const config::ExtractorEntry& e) {
  GenderOptions go;
  go.templates = m_job.templates_path(e.name);
  go.crops = m_job.crops_path();
  // The block sizes this extractor's D admits (2 to 32 blocks): 128-D leaves out 128 values.
  const auto dim = h5::File(go.templates, h5::File::Mode::read).dims("templates").at(1);
  go.settings = m_job.gender_settings;
  go.settings.blocks.clear();
  for (int b : m_job.gender_settings.blocks)
    if (dim % static_cast<std::uint64_t>(b) == 0 && dim / static_cast<std::uint64_t>(b) >= 2 &&
        dim / static_cast<std::uint64_t>(b) <= 32)
      go.settings.blocks.push_back(b);
  go.seed = m_job.verify_settings.seed;
  go.device = m_job.embed_settings.device;
  go.progress = m_options.progress;
  if (m_job.train_inverter) {
    go.inverter = m_job.inverter_dir(e.name) + "/inverter.pt";
    go.extractor = model_path(m_job, e);
  }
  go.out_csv = m_job.out_dir + "/gender_" + e.name + ".csv";
  const std::string path = m_job.gender_path(e.name);
  const std::string gkey =
      gender_key(h5::File(go.templates, h5::File::Mode::read).attribute("stage_key"),
                 go.inverter.empty() ? std::string{} : models::sha256_file(go.inverter), go.settings, go.seed);
  bool fresh = false;
  if (m_comm.is_master() && fs::exists(path)) {
    std::ifstream f(path);
    auto j = json::parse(f, nullptr, false);
    fresh = !j.is_discarded() && j.value("key", "") == gkey;
  }
  if (must_run(fresh)) {
    const json r = run_gender(m_comm, go);
    if (m_comm.is_master()) {
      write_text_file(path, json{{"key", gkey}, {"result", r}}.dump(2), "gender result");
      m_summary["gender"][e.name] = r;
    }
  } else if (m_comm.is_master()) {
    spdlog::info("gender: '{}' is up to date, skipped", path);
    m_summary["gender"][e.name] = data::json_file(path)["result"];
  }
}

}  // namespace

JobOutcome run_job(const dist::Communicator& comm, const config::JobConfig& job, const RunOptions& options) {
  return JobRun(comm, job, options).run();
}

}  // namespace irrev::run
