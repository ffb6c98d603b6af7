#include "irrev/pipeline/job_runner.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/pipeline/embed.hpp"
#include "irrev/pipeline/ingest.hpp"
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
  nlohmann::json summary{{"job", job.source}, {"out_dir", job.out_dir}};
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
      std::string vkey = nlohmann::json{{"templates", ekey}, {"blocks", vo.blocks},
                                        {"pairs", job.verify_pairs}, {"seed", job.seed}}.dump();
      if (agree(options.force || !up_to_date(vo.out, vkey) || !vo.all_vs_all)) {
        auto rows = run_verify(comm, vo);
        if (comm.is_master()) {
          if (vo.all_vs_all) stamp(vo.out, vkey);
          std::ofstream(job.out_dir + "/verify_" + e.name + ".csv") << verify_table_csv(rows);
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
  }
  return summary.dump(2);
}

}  // namespace irrev::pipeline
