#include "irrev/pipeline/job_runner.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/pipeline/attack_stage.hpp"
#include "irrev/pipeline/embed.hpp"
#include "irrev/pipeline/gender_stage.hpp"
#include "irrev/pipeline/ingest.hpp"
#include "irrev/pipeline/train_inverter.hpp"
#include "irrev/pipeline/verify_lfw.hpp"
#include "irrev/pipeline/verify_pe_miu.hpp"

namespace irrev::pipeline {
namespace fs = std::filesystem;

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

void stamp(const std::string& path, const std::string& key) {
  h5::File f(path, h5::File::Mode::read_write);
  f.set_attribute("stage_key", key);
}

std::string ingest_key(const config::JobConfig& j) {
  const auto& d = j.cropper.detector;
  const auto& l = j.cropper.landmarks;
  return nlohmann::json{
      {"images", j.images}, {"pairs", j.pairs}, {"genders", j.genders}, {"limit", j.limit},
      {"models", j.models_dir},
      {"detector", {d.file, d.width, d.height, d.mean, d.scale, d.swap_rb, d.score_threshold, d.nms_threshold}},
      {"landmarks", {l.file, l.size, l.scale}}}
      .dump();
}

std::string model_path(const config::JobConfig& j, const config::ExtractorEntry& e) {
  fs::path p(e.model);
  return p.is_relative() && !fs::exists(p) ? (fs::path(j.models_dir) / p).string() : p.string();
}
}  // namespace

std::string run_job(const dist::Communicator& comm, const config::JobConfig& job,
                    const RunOptions& options) {
  nlohmann::json summary{{"job", job.source}, {"out_dir", job.out_dir}, {"work_dir", job.stage_dir()}};
  if (comm.is_master()) {
    fs::create_directories(job.out_dir);
    fs::create_directories(job.stage_dir());
  }
  // Decisions are taken on rank 0 and broadcast: ranks must agree on which stages run.
  auto agree = [&](bool value) {
    std::string b = value ? "1" : "0";
    comm.broadcast(b, 0);
    return b == "1";
  };

  const std::string crops = job.crops_path();
  const std::string ikey = ingest_key(job);
  if (agree(options.force || !up_to_date(crops, ikey))) {
    IngestOptions io;
    io.images_dir = job.images;
    io.pairs_file = job.pairs;
    io.genders_dir = job.genders;
    io.models_dir = job.models_dir;
    io.out = crops;
    io.unit_size = job.ingest_unit;
    io.limit = job.limit;
    io.cropper = job.cropper;
    io.progress = options.progress;
    auto s = run_ingest(comm, io);
    if (comm.is_master()) {
      stamp(crops, ikey);
      summary["ingest"] = {{"images", s.images}, {"crops", s.crops}, {"rejects", s.rejects.size()}};
    }
  } else if (comm.is_master()) {
    spdlog::info("ingest: '{}' is up to date, skipped", crops);
    summary["ingest"] = "up to date";
  }

  for (const auto& e : job.extractors) {
    const std::string templates = job.templates_path(e.name);
    const std::string model = model_path(job, e);
    IRREV_CHECK(fs::is_regular_file(model), "{}: extractor '{}': model '{}' does not exist",
                job.source, e.name, model);
    std::string ekey = nlohmann::json{{"crops", ikey},
                                      {"model", models::sha256_file(model)},
                                      {"onnx_info", e.onnx_info.to_json()},
                                      {"batch", job.embed_batch}}
                           .dump();
    if (agree(options.force || !up_to_date(templates, ekey))) {
      EmbedOptions eo;
      eo.crops = crops;
      eo.model = model;
      eo.out = templates;
      eo.device = job.device;
      eo.batch = job.embed_batch;
      eo.onnx_info = e.onnx_info;
      eo.progress = options.progress;
      run_embed(comm, eo);
      if (comm.is_master()) stamp(templates, ekey);
    } else if (comm.is_master()) {
      spdlog::info("embed: '{}' is up to date, skipped", templates);
    }
    std::string vkey;
    const bool error_rates = std::find(job.protocols.begin(), job.protocols.end(), "error-rates") != job.protocols.end();
    if (error_rates) {
      // Only the block sizes this extractor's D admits (128-D takes 16, 32, 64, 128; 512-D too).
      // Rank 0 reads D from the file's shape and broadcasts it: the broadcast also holds the
      // other ranks until rank 0 has written the templates.
      std::string d = comm.is_master()
                          ? std::to_string(h5::File(templates, h5::File::Mode::read).dims("templates").at(1))
                          : std::string{};
      comm.broadcast(d, 0);
      const auto dim = std::stoull(d);
      VerifyOptions vo;
      vo.templates = templates;
      vo.blocks.clear();
      for (int b : job.verify_blocks)
        if (dim % static_cast<std::uint64_t>(b) == 0) vo.blocks.push_back(b);
      vo.view2 = job.verify_pairs != "all-vs-all";
      vo.all_vs_all = job.verify_pairs != "lfw-view2";
      vo.seed = job.seed;
      vo.out = job.verify_path(e.name);
      vo.progress = options.progress;
      vkey = nlohmann::json{{"templates", ekey}, {"blocks", vo.blocks},
                                        {"pairs", job.verify_pairs}, {"seed", job.seed}}.dump();
      if (agree(options.force || !up_to_date(vo.out, vkey) || !vo.all_vs_all)) {
        auto rows = run_verify(comm, vo);
        if (comm.is_master()) {
          if (vo.all_vs_all) stamp(vo.out, vkey);
          std::ofstream(job.stage_dir() + "/verify_" + e.name + ".csv") << verify_table_csv(rows);
          summary["verify"][e.name] = nlohmann::json::parse(verify_table_json(rows));
        }
      } else if (comm.is_master()) {
        spdlog::info("verify: '{}' is up to date, skipped", vo.out);
        h5::File f(vo.out, h5::File::Mode::read);
        summary["verify"][e.name] = nlohmann::json::parse(f.attribute("table_json"));
      }
    }
    if (comm.is_master()) {
      auto set = data::read_template_set(templates);
      nlohmann::json v{{"templates", set.count}, {"dim", set.dim}};
      for (const auto& p : job.protocols) {
        if (p == "lfw-view2" && !set.pairs.pairs.empty()) {
          auto acc = verify_lfw_view2(set);
          v["lfw_10fold_accuracy"] = acc.mean;
          v["lfw_10fold_std"] = acc.std;
          spdlog::info("verify: {} LFW 10-fold accuracy {:.4f} +- {:.4f}", e.name, acc.mean, acc.std);
        }
      }
      summary["extractors"][e.name] = v;
    }

    if (job.train_inverter) {
      const std::string dir = job.inverter_dir(e.name);
      auto cfg = nlohmann::json::parse(job.inverter.to_json());
      cfg.erase("max_minutes");  // a time limit does not change what was trained, once trained
      const std::string tkey = nlohmann::json{{"templates", ekey}, {"verify", vkey}, {"config", cfg}}.dump();
      if (agree(options.force || !inverter_up_to_date(dir, tkey))) {
        TrainInverterOptions to;
        to.crops = crops;
        to.templates = templates;
        to.extractor = model;
        to.out_dir = dir;
        to.thresholds = vkey.empty() ? std::string{} : job.verify_path(e.name);
        to.config = job.inverter;
        to.progress = options.progress;
        to.replace_foreign_checkpoint = true;
        // The workers train data-parallel; the master of a multi-rank job waits without
        // spinning, so that its core goes to them.
        const int trainers = comm.size() > 1 ? comm.size() - 1 : 1;
        IRREV_CHECK(to.config.batch % trainers == 0, "{}: train_inverter.batch {} does not split over {} training ranks",
                    job.source, to.config.batch, trainers);
        std::string s;
        if (comm.size() == 1) {
          s = run_train_inverter(comm, to);
        } else {
          auto workers = comm.split(comm.is_master() ? 0 : 1);
          constexpr int kTagTrained = 301;
          if (comm.is_master()) {
            s = comm.recv_idle(1, kTagTrained);
          } else {
            s = run_train_inverter(*workers, to);
            if (workers->is_master()) comm.send(0, kTagTrained, s);
          }
        }
        if (comm.is_master()) {
          std::ofstream(dir + "/stage_key.json") << tkey;
          summary["train_inverter"][e.name] = nlohmann::json::parse(s);
        }
      } else if (comm.is_master()) {
        spdlog::info("train-inverter: '{}/inverter.pt' is up to date, skipped", dir);
        summary["train_inverter"][e.name] = "up to date";
      }
      if (job.attack) {
        AttackOptions ao;
        ao.templates = templates;
        ao.crops = crops;
        ao.extractor = model;
        ao.inverter = dir + "/inverter.pt";
        ao.thresholds = job.verify_path(e.name);
        ao.out = job.attack_path(e.name);
        ao.plans = job.attack_plans;
        ao.selection = job.attack_selection;
        if (job.genders.empty() && ao.selection.gender_balanced) {
          if (comm.is_master())
            spdlog::warn("attack: no gender lists (data.genders), so the template set is not gender-balanced");
          ao.selection.gender_balanced = false;
        }
        ao.templates_per_unit = job.attack_templates_per_unit;
        ao.entries_per_unit = job.attack_permutations_per_unit;
        ao.batch = job.attack_batch;
        ao.device = job.attack_device;
        ao.precision = job.attack_precision;
        ao.cuda_graph = job.attack_cuda_graph;
        ao.upsampling = job.attack_upsampling;
        ao.fused_relu = job.attack_fused_relu;
        ao.layout = job.attack_layout;
        ao.cudnn_benchmark = job.attack_cudnn_benchmark;
        ao.unshuffle = job.attack_unshuffle;
        ao.unshuffle_model = job.attack_unshuffle_model;
        ao.targeted_max_complexity = job.attack_targeted;
        ao.checkpoint_seconds = job.attack_checkpoint_seconds;
        ao.progress = options.progress;
        nlohmann::json plans = nlohmann::json::array();
        for (const auto& p : job.attack_plans) plans.push_back(nlohmann::json::parse(p.to_json()));
        const std::string akey = nlohmann::json{{"inverter", tkey}, {"plans", plans},
                                                {"selection", nlohmann::json::parse(job.attack_selection.to_json())},
                                                {"settings", nlohmann::json::parse(attack_settings_json(ao))}}
                                     .dump();
        if (agree(options.force || !up_to_date(ao.out, akey))) {
          auto r = run_attack(comm, ao);
          if (!r.complete) {  // stopped by a signal: the job ends here, resumable
            if (comm.is_master()) {
              summary["status"] = "resumable";
              summary["attack"][e.name] = nlohmann::json::parse(r.summary_json);
            }
            return summary.dump(2);
          }
          if (comm.is_master()) {
            stamp(ao.out, akey);
            summary["attack"][e.name] = nlohmann::json::parse(r.summary_json);
          }
        } else if (comm.is_master()) {
          spdlog::info("attack: '{}' is up to date, skipped", ao.out);
          h5::File f(ao.out, h5::File::Mode::read);
          summary["attack"][e.name] = nlohmann::json::parse(f.attribute("summary_json"));
        }
      }
    }
  }
  if (job.gender) {
    for (const auto& e : job.extractors) {
      GenderOptions go;
      go.templates = job.templates_path(e.name);
      go.crops = crops;
      go.blocks = job.gender_blocks;
      go.max_templates = job.gender_max_templates;
      go.folds = job.gender_folds;
      go.seed = job.seed;
      go.device = job.device;
      go.progress = options.progress;
      if (job.train_inverter) {
        go.inverter = job.inverter_dir(e.name) + "/inverter.pt";
        go.extractor = model_path(job, e);
      }
      go.out_csv = job.out_dir + "/gender_" + e.name + ".csv";
      const std::string path = job.gender_path(e.name);
      const std::string gkey =
          nlohmann::json{{"templates", h5::File(go.templates, h5::File::Mode::read).attribute("stage_key")},
                         {"inverter", go.inverter.empty() ? "" : models::sha256_file(go.inverter)},
                         {"blocks", go.blocks}, {"max", go.max_templates}, {"folds", go.folds}, {"seed", go.seed}}
              .dump();
      bool fresh = false;
      if (comm.is_master() && std::filesystem::exists(path)) {
        std::ifstream f(path);
        auto j = nlohmann::json::parse(f, nullptr, false);
        fresh = !j.is_discarded() && j.value("key", "") == gkey;
      }
      if (agree(options.force || !fresh)) {
        auto r = run_gender(comm, go);
        if (comm.is_master()) {
          std::ofstream(path) << nlohmann::json{{"key", gkey}, {"result", nlohmann::json::parse(r)}}.dump(2);
          summary["gender"][e.name] = nlohmann::json::parse(r);
        }
      } else if (comm.is_master()) {
        spdlog::info("gender: '{}' is up to date, skipped", path);
        std::ifstream f(path);
        summary["gender"][e.name] = nlohmann::json::parse(f)["result"];
      }
    }
  }
  summary["status"] = "complete";
  return summary.dump(2);
}

}  // namespace irrev::pipeline
