#include "irrev/pipeline/attack_stage.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "irrev/attack/attack_pipeline.hpp"
#include "irrev/attack/attack_tally.hpp"
#include "irrev/attack/rsr_summary.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/output_lock.hpp"
#include "irrev/core/paths.hpp"
#include "irrev/core/log.hpp"
#include "irrev/core/progress.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/dist/stop_signal.hpp"
#include "irrev/dist/work_queue.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/models/extractor_info.hpp"
#include "irrev/models/inverter.hpp"
#include "irrev/pipeline/thresholds.hpp"
#include "attack_checkpoint.hpp"

namespace irrev::pipeline {
namespace fs = std::filesystem;
using nlohmann::json;
using detail::AttackState;
using detail::AttackUnit;

namespace {

/// The same face image may sit in training under another name or in another collection: the
/// crops' SHA-256 catch what the subject names cannot (for files that carry them).
void check_no_training_images(const models::Inverter& inverter, const std::string& path, const data::TemplateSet& set,
                              const attack::TemplateSelection& chosen) {
  const auto& hashes = set.images.crop_sha256;
  if (hashes.empty() || inverter.info().training_crops.empty()) {
    spdlog::warn("attack: '{}' or the templates predate the crops' content hashes; only subject names were checked "
                 "for leakage", path);
    return;
  }
  std::vector<std::string> leaked;
  for (const auto* rows : {&chosen.rows, &chosen.second_rows})
    for (auto r : *rows)
      if (r >= 0 && inverter.saw_crop(hashes[static_cast<std::size_t>(r)]))
        leaked.push_back(set.images.paths[static_cast<std::size_t>(r)]);
  IRREV_CHECK(leaked.empty(),
              "inverter '{}' was trained on {} of the face images this attack evaluates, under other names (the same "
              "aligned crop; first: '{}'{}); take them out of the training set or select other templates",
              path, leaked.size(), leaked.front(), leaked.size() > 1 ? fmt::format(", then '{}'", leaked[1]) : "");
}

/// A batch whose forward pass would not fit in this machine's memory is refused before any
/// work (it would otherwise grow until an allocation fails, deaf to signals meanwhile). The
/// estimate per sample: the generator's two largest activations and the extractor's (64
/// channels at half its input size, as MobileFaceNet and ResNet stems have), in float32, twice.
void check_batch_fits(int batch, const models::GeneratorConfig& g, const models::ExtractorInfo& x) {
  double largest = 0, second = 0;
  for (std::size_t i = 0; i < g.stage_sizes.size(); ++i) {
    const double a = static_cast<double>(g.channels[i]) * g.stage_sizes[i] * g.stage_sizes[i];
    if (a > largest) {
      second = largest;
      largest = a;
    } else {
      second = std::max(second, a);
    }
  }
  const double extractor = 64.0 * (x.input_height / 2) * (x.input_width / 2);
  const double per_sample = 4.0 * 2 * (largest + second + 2 * extractor);
  const double memory = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGE_SIZE));
  IRREV_CHECK(per_sample * batch < memory,
              "attack batch {} needs about {:.0f} GB on the CPU, more than this machine's {:.0f} GB; a batch of 32 to "
              "256 is as fast on a CPU",
              batch, per_sample * batch / 1e9, memory / 1e9);
}

std::string device_for_rank(const std::string& device, const dist::Communicator& comm) {
  if (device != "cuda") return device;
  // Worker w of a node takes its GPU w (modulo the GPUs it sees: one when SLURM binds a GPU
  // per task through CUDA_VISIBLE_DEVICES).
  const int gpus = models::cuda_device_count();
  IRREV_CHECK(gpus > 0, "device 'cuda' was asked for, but this LibTorch sees no CUDA device");
  return "cuda:" + std::to_string(comm.local_worker() % gpus);
}

}  // namespace

std::string attack_settings_json(const AttackSettings& o) {
  return json{{"unit", {o.entries_per_unit, o.templates_per_unit}},
              {"batch", o.batch},
              {"device", o.device.rfind("cuda", 0) == 0 ? "cuda" : "cpu"},
              {"precision", o.precision},
              {"upsampling", o.upsampling},
              {"fused_relu", o.fused_relu},
              {"layout", o.layout},
              {"cudnn_benchmark", o.cudnn_benchmark},
              {"recovery", {{"unshuffle", o.unshuffle}, {"targeted", o.targeted_max_complexity},
                            {"model", o.unshuffle_model}}}}
      .dump();
}

std::string attack_checkpoint_path(const std::string& out) {
  auto p = fs::path(out);
  return (p.parent_path() / (p.stem().string() + ".checkpoint.h5")).string();
}

AttackOutcome run_attack(const dist::Communicator& comm, const AttackOptions& o) {
  const auto t_start = std::chrono::steady_clock::now();
  // One attack per output: two would share the checkpoint and the temporary file.
  OutputLock lock;
  if (comm.is_master()) {
    require_output_file(o.out, "attack output (--out)");
    lock = OutputLock(o.out);
  }
  const AttackSettings& st = o.settings;
  st.validate("attack");
  // The forward pass's settings, checked on every rank before any work.
  attack::PipelineOptions po;
  po.batch = st.batch;
  po.precision = st.precision;
  po.cuda_graph = st.cuda_graph;
  attack::set_upsampling(po, st.upsampling);
  po.fused_relu = st.fused_relu;
  attack::set_layout(po, st.layout);
  po.cudnn_benchmark = st.cudnn_benchmark;
  po.unshuffle = st.unshuffle;
  po.targeted_max_complexity = st.targeted_max_complexity;
  // Every rank derives the same inputs, selection and plans from the files.
  auto set = data::read_template_set(o.templates);
  const auto det_scores = data::read_detection_scores(o.crops, set, o.templates);
  IRREV_CHECK(fs::is_regular_file(o.inverter), "inverter '{}' does not exist (run train-inverter first)", o.inverter);
  const Thresholds thr = read_thresholds(o.thresholds);
  std::vector<attack::Plan> plans;
  for (const auto& spec : st.plans) {
    spec.validate(set.dim, "attack plan " + spec.name());
    for (const auto& p : plans)
      IRREV_CHECK(p.spec.name() != spec.name(), "two attack plans are both named '{}'", spec.name());
    plans.push_back(attack::make_plan(spec));
  }
  // Models: workers compute; the master of a multi-rank job only schedules and merges.
  const bool computes = comm.size() == 1 || !comm.is_master();
  const std::string device = device_for_rank(st.device, comm);
  auto inverter = models::Inverter::load(o.inverter, computes ? device : "cpu");
  const auto& iinfo = inverter->info();
  IRREV_CHECK(iinfo.template_dim == set.dim, "inverter '{}' takes {}-D templates, '{}' holds {}-D", o.inverter,
              iinfo.template_dim, o.templates, set.dim);
  IRREV_CHECK(json::parse(iinfo.extractor_json) == json::parse(set.extractor_json),
              "inverter '{}' was trained through another extractor than the one that made '{}'", o.inverter,
              o.templates);
  const std::string extractor_sha = models::sha256_file(o.extractor);
  if (st.device == "cpu") check_batch_fits(st.batch, iinfo.config.generator, models::ExtractorInfo::from_json(set.extractor_json, o.templates));

  attack::SelectionSpec sel = st.selection;
  const double eval_share = o.eval_share >= 0 ? o.eval_share : iinfo.config.eval_share;
  attack::select_unseen_by(sel, o.split_seed >= 0 ? static_cast<std::uint64_t>(o.split_seed) : iinfo.config.seed,
                           eval_share);
  if (eval_share == 0) {  // trained on a collection of its own
    IRREV_CHECK(!st.unshuffle && st.targeted_max_complexity < 0,
                "inverter '{}' was trained on another collection: the unshuffled and targeted attacks fit their "
                "block-position model on this set's training identities, and there are none; run the plain attack",
                o.inverter);
  }
  const auto chosen = attack::select_templates(set.images, det_scores, sel);
  // The attacker must never have seen an identity it is evaluated on.
  std::vector<std::string> seen;
  for (auto row : chosen.rows) {
    const auto& s = set.images.subjects[static_cast<std::size_t>(row)];
    if (inverter->saw_subject(s)) seen.push_back(s);
  }
  IRREV_CHECK(seen.empty(),
              "inverter '{}' was trained on {} of the {} identities this attack evaluates (first: '{}'); train it on "
              "an identity split that keeps them out (same split seed and eval_share) or select other templates",
              o.inverter, seen.size(), chosen.rows.size(), seen.front());
  check_no_training_images(*inverter, o.inverter, set, chosen);

  attack::AttackInputs in;
  in.dim = set.dim;
  const auto n_t = static_cast<std::int64_t>(chosen.rows.size());
  in.templates.resize(static_cast<std::size_t>(n_t * set.dim));
  in.second.assign(in.templates.size(), 0.f);
  in.has_second.assign(static_cast<std::size_t>(n_t), 0);
  std::int64_t with_second = 0;
  for (std::int64_t i = 0; i < n_t; ++i) {
    const auto r = chosen.rows[static_cast<std::size_t>(i)], r2 = chosen.second_rows[static_cast<std::size_t>(i)];
    std::copy_n(set.row(r), set.dim, in.templates.data() + i * set.dim);
    if (r2 >= 0) {
      std::copy_n(set.row(r2), set.dim, in.second.data() + i * set.dim);
      in.has_second[static_cast<std::size_t>(i)] = 1;
      ++with_second;
    }
  }
  in.threshold_fmr01 = thr.fmr_0_1;
  in.threshold_fmr1 = thr.fmr_1;

  // Block-position models for the recovery step: fitted on every template of a training
  // identity of the selection's split (never on an evaluated subject).
  std::vector<attack::BlockPositionModel> position_models;
  std::int64_t model_templates = 0;
  if (st.unshuffle || st.targeted_max_complexity >= 0) {
    const auto train = attack::training_templates(set, sel.split_seed, sel.eval_share);
    model_templates = static_cast<std::int64_t>(train.size()) / set.dim;
    for (const auto& p : plans)
      position_models.push_back(attack::BlockPositionModel::fit(train.data(), model_templates, set.dim, p.spec.blocks,
                                                                st.unshuffle_model == "full"));
  }

  const auto units = detail::cut_units(plans, n_t, st.entries_per_unit, st.templates_per_unit);
  std::int64_t samples_total = 0;
  for (const auto& p : plans) samples_total += p.size() * n_t;

  json plan_specs = json::array();
  for (const auto& p : plans) plan_specs.push_back(json::parse(p.spec.to_json()));
  const std::string key = json{{"plans", plan_specs},
                               {"selection", json::parse(sel.to_json())},
                               {"templates", {{"file", fs::absolute(o.templates).string()}, {"count", set.count},
                                              {"extractor", set.extractor_json}}},
                               {"inverter", models::sha256_file(o.inverter)},
                               {"extractor", extractor_sha},
                               {"thresholds", {thr.fmr_0_1, thr.fmr_1}},
                               {"settings", json::parse(attack_settings_json(o.settings))},
                               {"unit_order", fmt::format("shuffled {}", detail::kUnitOrderSeed)},
                               {"outcomes", attack::kOutcomes}}
                              .dump();

  const std::string ckpt = attack_checkpoint_path(o.out);
  AttackState state;
  std::string resumed = "no";
  if (comm.is_master()) {
    if (fs::exists(ckpt)) {
      state = detail::read_attack_checkpoint(ckpt, key, plans, units);
      std::int64_t k = 0;
      for (auto d : state.done) k += d;
      resumed = fmt::format("{} of {} units from {}", k, units.size(), ckpt);
      spdlog::info("attack: resuming: {}", resumed);
    } else {
      for (const auto& p : plans) state.tallies.emplace_back(p.spec.blocks, p.size());
      state.done.assign(units.size(), 0);
    }
    spdlog::info("attack: {} templates ({} female, {} male, {} with a second image), {} plans, {} units, {} samples; "
                 "thresholds {:.4f} / {:.4f} from {}",
                 n_t, chosen.female, chosen.male, with_second, plans.size(), units.size(), samples_total, thr.fmr_0_1,
                 thr.fmr_1, thr.source);
  }

  std::unique_ptr<models::Extractor> extractor;
  std::unique_ptr<attack::AttackPipeline> pipeline;
  if (computes) {
    extractor = models::Extractor::load(o.extractor, device);
    IRREV_CHECK(json::parse(extractor->info().to_json()) == json::parse(set.extractor_json),
                "extractor '{}' is not the one that made '{}'", o.extractor, o.templates);
    po.position_models = position_models;
    pipeline = std::make_unique<attack::AttackPipeline>(*inverter, *extractor, in, po);
  }

  const std::int64_t samples_before = state.samples_done;
  // The master's own cost per unit (receive, merge; checkpoints are timed separately) against
  // the workers' compute per unit: the overhead figure of the schedule.
  double master_seconds = 0, compute_seconds = 0, checkpoint_seconds = 0;
  std::int64_t units_run = 0, checkpoints = 0;
  dist::install_stop_handlers();
  dist::QueueControl control;
  Progress progress("attack", samples_total - state.samples_done, comm.is_master() && o.progress);
  if (comm.is_master()) {
    control.done = state.done;
    control.checkpoint_seconds = st.checkpoint_seconds;
    control.checkpoint = [&] {
      const auto t0 = std::chrono::steady_clock::now();
      detail::write_attack_checkpoint(ckpt, key, plans, state, "running", samples_total);
      checkpoint_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      ++checkpoints;
    };
    control.stop_requested = [] { return dist::stop_signal() != 0; };
    control.deadline_factor = st.unit_deadline_factor;
  }
  const auto outcome = dist::run_work_queue(
      comm, static_cast<std::int64_t>(units.size()),
      [&](std::int64_t u) {
        const auto& x = units[static_cast<std::size_t>(u)];
        return dist::to_bytes(pipeline->run(plans[static_cast<std::size_t>(x.plan)], x.plan, x.first, x.entries, x.t0, x.t1));
      },
      [&](std::int64_t u, const std::string& bytes) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = dist::from_bytes<attack::UnitResult>(bytes);
        compute_seconds += r.seconds;
        ++units_run;
        state.tallies[static_cast<std::size_t>(r.plan)].add(r);
        state.done[static_cast<std::size_t>(u)] = 1;
        const auto& x = units[static_cast<std::size_t>(u)];
        state.samples_done += x.entries * (x.t1 - x.t0);
        progress.advance(x.entries * (x.t1 - x.t0));
        master_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      },
      control);
  progress.finish();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();

  AttackOutcome result;
  result.complete = outcome.outcome == dist::QueueOutcome::complete;
  result.stalled_ranks = outcome.stalled_ranks;
  if (!comm.is_master()) return result;
  if (!result.complete) {
    detail::write_attack_checkpoint(ckpt, key, plans, state, fmt::format("resumable (stopped by signal {})", dist::stop_signal()),
                samples_total);
    spdlog::warn("attack: stopped by signal {}; state saved in '{}': run the same command to continue",
                 dist::stop_signal(), ckpt);
    result.summary_json = json{{"status", "resumable"}, {"checkpoint", ckpt}, {"samples_done", state.samples_done},
                               {"samples_total", samples_total}}
                              .dump(2);
    return result;
  }

  // Results: per-entry counts and RSR, tables, the expected RSR under uniform PE-MIU.
  json summary{{"status", "complete"},
               {"out", o.out},
               {"templates", n_t},
               {"templates_with_second_image", with_second},
               {"female", chosen.female},
               {"male", chosen.male},
               {"thresholds", {{"fmr0.001", thr.fmr_0_1}, {"fmr0.01", thr.fmr_1}, {"source", thr.source},
                               {"impostor_scores", thr.impostors}}},
               {"ranks", comm.size()},
               {"device", st.device},
               {"precision", st.precision},
               {"mode", st.unshuffle ? fmt::format("unshuffled ({} block-position model, no second sample)", st.unshuffle_model)
                                    : std::string("plain")},
               {"resumed", resumed},
               {"seconds", secs},
               {"samples", samples_total},
               {"samples_per_second", static_cast<double>(samples_total - samples_before) / secs},
               {"units", units.size()},
               {"units_run", units_run},
               {"unit_compute_seconds_mean", units_run ? compute_seconds / static_cast<double>(units_run) : 0.0},
               {"master_seconds_per_unit", units_run ? master_seconds / static_cast<double>(units_run) : 0.0},
               {"checkpoints", checkpoints},
               {"stalled_ranks", outcome.stalled_ranks},
               {"checkpoint_seconds_total", checkpoint_seconds},
               {"rsr", json::array()},
               {"expected_rsr_uniform", json::array()},
               {"unprotected_rsr", json::array()}};
  h5::AtomicOutput out(o.out);
  {
    h5::File& f = out.file();
    f.set_attribute("key", key);
    f.set_attribute("schema", "irrev attack 1");
    std::vector<std::int64_t> rows(chosen.rows.begin(), chosen.rows.end()), second(chosen.second_rows.begin(), chosen.second_rows.end());
    f.write("selection/row", rows);
    f.write("selection/second_row", second);
    std::vector<std::string> names;
    for (auto r : chosen.rows) names.push_back(set.images.names[static_cast<std::size_t>(r)]);
    f.write_strings("selection/name", names);
    for (std::size_t p = 0; p < plans.size(); ++p) {
      const auto& plan = plans[p];
      const auto& tally = state.tallies[p];
      const std::string g = "plans/" + plan.spec.name();
      const auto n = static_cast<std::uint64_t>(plan.spec.blocks);
      std::vector<std::uint8_t> perms;
      std::vector<std::string> ranks;
      for (const auto& q : plan.permutations) {
        perms.insert(perms.end(), q.begin(), q.end());
        ranks.push_back(protect::to_decimal(protect::rank(q)));
      }
      f.write(g + "/permutation", perms, {static_cast<std::uint64_t>(plan.size()), n});
      f.write_strings(g + "/rank", ranks);
      std::vector<std::int32_t> ks(plan.complexity.begin(), plan.complexity.end());
      f.write(g + "/complexity", ks);
      f.write(g + "/counts", tally.counts, {static_cast<std::uint64_t>(plan.size()), static_cast<std::uint64_t>(attack::kOutcomes)});
      std::vector<double> rsr;
      for (auto hit : {attack::kType1Fmr01, attack::kType1Fmr1, attack::kType2Fmr01, attack::kType2Fmr1}) {
        auto v = attack::entry_rsr(tally, hit);
        rsr.insert(rsr.end(), v.begin(), v.end());
      }
      f.write(g + "/rsr", rsr, {4, static_cast<std::uint64_t>(plan.size())});
      f.write(g + "/histograms", tally.histograms,
              {static_cast<std::uint64_t>(tally.histograms.size() / attack::kScoreBins), static_cast<std::uint64_t>(attack::kScoreBins)});
      const auto rows_k = attack::rsr_by_complexity(plan, tally);
      const auto expected = attack::expected_rsr_uniform(plan, rows_k);
      for (auto& r : detail::rows_json(rows_k)) {
        r["plan"] = plan.spec.name();
        summary["rsr"].push_back(r);
        if (r["complexity"] == 0) summary["unprotected_rsr"].push_back(r);
      }
      for (const auto& e : expected)
        summary["expected_rsr_uniform"].push_back({{"blocks", e.blocks}, {"plan", plan.spec.name()},
                                                   {"type", e.type == 1 ? "I" : "II"}, {"fmr", e.fmr},
                                                   {"value", e.value}, {"method", e.method}});
      if (!position_models.empty()) {
        // How well the order itself was recovered, on these templates under uniform PE-MIU.
        auto r = json::parse(attack::evaluate_unshuffle(position_models[p], in.templates.data(), n_t, 8, 2,
                                                        st.plans[p].seed).to_json());
        r["plan"] = plan.spec.name();
        r["model_templates"] = model_templates;
        summary["recovery"].push_back(r);
      }
      if (st.targeted_max_complexity >= 0)
        for (const auto& t : attack::targeted_by_complexity(plan, tally))
          summary["targeted"].push_back({{"blocks", t.blocks}, {"plan", plan.spec.name()},
                                         {"complexity", t.complexity < 0 ? json("uniform") : json(t.complexity)},
                                         {"max_estimated_complexity", st.targeted_max_complexity},
                                         {"yield", t.yield}, {"precision_fmr0.001", t.precision_fmr01},
                                         {"precision_fmr0.01", t.precision_fmr1}, {"selected", t.selected},
                                         {"tried", t.tried}});
    }
    f.set_attribute("summary_json", summary.dump());
  }
  out.commit();
  fs::remove(ckpt);
  spdlog::info("attack: {} samples in {:.1f} s ({:.1f}/s) -> '{}'", samples_total, secs,
               static_cast<double>(samples_total - samples_before) / secs, o.out);
  result.summary_json = summary.dump(2);
  return result;
}

std::string attack_status_json(const std::string& run_dir) {
  IRREV_CHECK(fs::is_directory(run_dir), "run folder '{}' does not exist", run_dir);
  json out = json::array();
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(run_dir))
    if (e.path().extension() == ".h5") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    const std::string name = p.filename().string();
    const bool is_ckpt = name.size() > 14 && name.compare(name.size() - 14, 14, ".checkpoint.h5") == 0;
    h5::File f(p.string(), h5::File::Mode::read);
    if (!is_ckpt && !(f.has_attribute("schema") && f.attribute("schema") == "irrev attack 1")) continue;
    if (is_ckpt) {
      auto prog = json::parse(f.attribute("progress"));
      out.push_back({{"file", p.string()}, {"status", f.attribute("status")}, {"updated", f.attribute("updated")},
                     {"units_done", prog["units_done"]}, {"units_total", prog["units_total"]},
                     {"samples_done", prog["samples_done"]}, {"samples_total", prog["samples_total"]},
                     {"partial", detail::partial_tables(f)}});
    } else if (f.has_attribute("summary_json")) {
      auto s = json::parse(f.attribute("summary_json"));
      out.push_back({{"file", p.string()}, {"status", "complete"}, {"samples", s["samples"]}, {"seconds", s["seconds"]}});
    }
  }
  return json{{"run_dir", run_dir}, {"attacks", out}}.dump(2);
}

}  // namespace irrev::pipeline
