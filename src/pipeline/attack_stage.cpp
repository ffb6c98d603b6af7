#include "irrev/pipeline/attack_stage.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "attack_checkpoint.hpp"
#include "attack_inputs.hpp"
#include "attack_result_file.hpp"
#include "irrev/attack/attack_pipeline.hpp"
#include "irrev/attack/joint_model.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/core/output_lock.hpp"
#include "irrev/core/paths.hpp"
#include "irrev/core/progress.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/json_reading.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/dist/stop_signal.hpp"
#include "irrev/dist/work_queue.hpp"
#include "irrev/models/device_placement.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/models/extractor_info.hpp"
#include "irrev/pipeline/agreed_precision.hpp"
#include "irrev/pipeline/attack_summary.hpp"
#include "stage_queue.hpp"
#include "unit_checkpoint.hpp"

namespace irrev::pipeline {
namespace fs = std::filesystem;
using detail::AttackState;
using detail::AttackUnit;
using nlohmann::json;

namespace {

/// Where this rank's networks run (the master of a multi-rank job computes nothing: CPU), and
/// on rank 0 one log line per rank: across nodes, which GPU each worker took.
Device place_networks(const AttackSettings& st, const dist::Communicator& comm) {
  models::DevicePlacement placement;
  if (comm.computes()) placement = models::place_device(st.device, comm.local_worker());
  const auto hosts = comm.hosts();
  const auto lines = comm.all_gather(comm.computes() ? models::describe(placement, comm.local_worker()) : "master");
  if (comm.is_master() && st.device.is_cuda()) {
    for (std::size_t r = 0; r < lines.size(); ++r) spdlog::info("attack: rank {} on {}: {}", r, hosts[r], lines[r]);
  }
  return placement.device;
}

/// The forward pass's settings, checked on every rank before any work.
attack::PipelineOptions pipeline_options(const AttackSettings& st) {
  attack::PipelineOptions po;
  po.batch = st.batch;
  po.precision = st.precision;
  po.recheck_margin = st.effective_recheck_margin();
  po.cuda_graph = st.cuda_graph;
  attack::set_upsampling(po, st.upsampling);
  po.fused_relu = st.fused_relu;
  attack::set_layout(po, st.layout);
  po.cudnn_benchmark = st.cudnn_benchmark;
  po.unshuffle = st.unshuffle;
  po.targeted_max_complexity = st.targeted_max_complexity;
  po.synthesis = st.unshuffle_model == attack::UnshuffleModel::synthesis;
  po.synthesis_search = {st.synthesis_candidates, st.synthesis_exchange_rounds, st.synthesis_climb_starts};
  po.synthesis_weight = st.synthesis_weight;
  po.joint_beam = st.joint_beam;
  return po;
}

/// bf16-checked, bf16-all-checked: one line on the master with what the fp32 recheck did in
/// the units merged in this run, and a warning where bf16's largest error among the rechecked
/// samples came near the margin (a sample outside it could then be decided unlike fp32). From
/// the units' results, not a collective: a stalled worker must not hold the master here.
void report_rechecks(const detail::AttackRunFigures& fig, const AttackSettings& st) {
  if (!attack::rechecks_in_fp32(st.precision)) return;
  const auto& r = fig.recheck;
  const double margin = st.effective_recheck_margin();
  spdlog::info(
      "attack: {} computed {} of {} samples again in fp32 ({:.1f} %); bf16's largest score error among "
      "them {:.4f} (margin {})",
      name_of(st.precision), r.rechecked, r.scored,
      r.scored > 0 ? 100.0 * static_cast<double>(r.rechecked) / static_cast<double>(r.scored) : 0.0, r.max_difference,
      margin);
  if (r.max_difference > margin / 2)
    spdlog::warn(
        "attack: bf16's score error reached {:.4f}, over half the recheck margin {}: samples outside the "
        "margin may be decided unlike fp32; raise recheck_margin or use fp32",
        r.max_difference, margin);
}

/// The master's merged state: the checkpoint's where there is one (checked against `key`),
/// else empty tallies and no unit done.
AttackState open_state(const std::string& ckpt, const std::string& key, const std::vector<attack::Plan>& plans,
                       const std::vector<AttackUnit>& units, std::string& resumed) {
  AttackState state;
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
  return state;
}

/// The units not yet done, over the work queue: workers run grants of units through `pipeline`
/// and merge their counts; the master adds each grant into `state` and checkpoints it on the
/// settings' cadence. The run's overhead figures are the queue's account of rank 0.
dist::QueueResult run_units(const dist::Communicator& comm, const AttackOptions& o,
                            const std::vector<attack::Plan>& plans, const std::vector<AttackUnit>& units,
                            attack::AttackPipeline* pipeline, AttackState& state, detail::AttackRunFigures& fig,
                            const std::function<void()>& write_checkpoint) {
  dist::install_stop_handlers();
  // The units done and the checkpoint are the master's (a worker's state is empty).
  auto control =
      detail::resumable_control("attack", state.done, write_checkpoint, o.settings.checkpoint_seconds,
                                o.settings.unit_deadline_factor, dist::QueueControl{}.deadline_floor_seconds);
  control.grant_seconds = o.settings.grant_seconds;
  Progress progress("attack", fig.samples_total - state.samples_done, comm.is_master() && o.progress);
  const std::function<void(std::int64_t, std::int64_t, attack::MergedUnits &&)> sink =
      [&](std::int64_t first, std::int64_t count, attack::MergedUnits&& r) {
        fig.recheck.add(r.recheck);
        for (const auto& d : r.plans) state.tallies[static_cast<std::size_t>(d.plan)].add(d);
        for (std::int64_t u = first; u < first + count; ++u) {
          state.done[static_cast<std::size_t>(u)] = 1;
          const std::int64_t samples = units[static_cast<std::size_t>(u)].samples();
          state.samples_done += samples;
          progress.advance(samples);
        }
        fig.units_run += count;
      };
  const std::function<attack::UnitResult(std::int64_t)> compute = [&](std::int64_t u) {
    const auto& x = units[static_cast<std::size_t>(u)];
    return pipeline->run(plans[static_cast<std::size_t>(x.plan)], x.plan, x.first, x.entries, x.t0, x.t1);
  };
  const std::function<void(attack::MergedUnits&, attack::UnitResult &&)> merge =
      [](attack::MergedUnits& into, attack::UnitResult&& unit) { into.add(unit); };
  auto outcome = dist::run_merging_queue(comm, static_cast<std::int64_t>(units.size()), compute, merge, sink, control);
  progress.finish();
  const auto& s = outcome.stats;
  fig.compute_seconds = s.compute_seconds;
  fig.master_seconds = s.receive_seconds + s.sink_seconds;
  fig.checkpoint_seconds = s.checkpoint_seconds;
  fig.checkpoints = s.checkpoints;
  return outcome;
}

/// A stopped attack: its state goes to the checkpoint, marked resumable.
AttackStopped save_resumable(const std::string& ckpt, const std::string& key, const std::vector<attack::Plan>& plans,
                             const AttackState& state, std::int64_t samples_total) {
  detail::write_attack_checkpoint(ckpt, key, plans, state, detail::stopped_status(dist::stop_signal()), samples_total);
  spdlog::warn("attack: stopped by signal {}; state saved in '{}': run the same command to continue",
               dist::stop_signal(), ckpt);
  return {ckpt, state.samples_done, samples_total};
}

}  // namespace

json outcome_json(const AttackOutcome& r) {
  if (r.complete) return r.summary;
  return {{"status", "resumable"},
          {"checkpoint", r.stopped.checkpoint},
          {"samples_done", r.stopped.samples_done},
          {"samples_total", r.stopped.samples_total}};
}

json attack_settings_json(const AttackSettings& o) {
  json recovery{
      {"unshuffle", o.unshuffle}, {"targeted", o.targeted_max_complexity}, {"model", name_of(o.unshuffle_model)}};
  // Only where they act, so that the keys of the other recoveries' checkpoints stay as they were.
  if (o.unshuffle_model == attack::UnshuffleModel::synthesis)
    recovery["synthesis"] = {o.synthesis_candidates, o.synthesis_exchange_rounds, o.synthesis_climb_starts,
                             o.synthesis_weight, name_of(o.synthesis_proposals)};
  if (o.uses_joint_model()) {
    recovery["joint_beam"] = o.joint_beam;
    // Up to kJointExhaustiveBlocks every order is scored: no search whose version could change
    // the orders, so that a better search does not rerun those attacks.
    const bool searched = std::any_of(o.plans.begin(), o.plans.end(), [](const attack::PlanSpec& p) {
      return p.blocks > attack::kJointExhaustiveBlocks;
    });
    recovery["joint_search"] = searched ? attack::kJointSearchVersion : "every order";
  }
  json settings{{"unit", {o.entries_per_unit, o.templates_per_unit}},
                {"batch", o.batch},
                {"device", o.device.is_cuda() ? "cuda" : "cpu"},
                {"precision", name_of(o.precision)},
                {"upsampling", name_of(o.upsampling)},
                {"fused_relu", o.fused_relu},
                {"layout", name_of(o.layout)},
                {"cudnn_benchmark", o.cudnn_benchmark},
                {"recovery", recovery}};
  if (attack::rechecks_in_fp32(o.precision)) settings["recheck_margin"] = o.effective_recheck_margin();
  return settings;
}

std::string attack_checkpoint_path(const std::string& out) {
  auto p = fs::path(out);
  return (p.parent_path() / (p.stem().string() + ".checkpoint.h5")).string();
}

AttackOutcome run_attack(const dist::Communicator& comm, const AttackOptions& asked) {
  // "auto" made concrete first: the checkpoint's key and the results name what ran.
  AttackOptions o = asked;
  o.settings.precision = agreed_precision(o.settings.precision, o.settings.device, comm);
  const auto t_start = std::chrono::steady_clock::now();
  // One attack per output: two would share the checkpoint and the temporary file.
  OutputLock lock;
  if (comm.is_master()) {
    require_output_file(o.out, "attack output (--out)");
    lock = OutputLock(o.out);
  }
  const AttackSettings& st = o.settings;
  st.validate("attack");
  attack::PipelineOptions po = pipeline_options(st);
  // Models: workers compute; the master of a multi-rank job only schedules and merges.
  const bool computes = comm.computes();
  const Device device = place_networks(st, comm);
  const auto a = detail::prepare_attack(o, device);
  const auto units =
      detail::cut_units(a.plans, a.templates(), st.entries_per_unit, st.templates_per_unit, st.unit_order_seed);
  detail::AttackRunFigures fig;
  fig.ranks = comm.size();
  fig.units = static_cast<std::int64_t>(units.size());
  for (const auto& p : a.plans) fig.samples_total += p.size() * a.templates();
  const std::string key = detail::attack_key(o, a);
  const std::string ckpt = attack_checkpoint_path(o.out);

  AttackState state;
  if (comm.is_master()) {
    state = open_state(ckpt, key, a.plans, units, fig.resumed);
    spdlog::info(
        "attack: {} templates ({} female, {} male, {} with a second image), {} plans, {} units, {} samples; "
        "thresholds {:.4f} / {:.4f} from {}",
        a.templates(), a.chosen.female, a.chosen.male, a.with_second, a.plans.size(), units.size(), fig.samples_total,
        a.thresholds.fmr_0_1, a.thresholds.fmr_1, a.thresholds.source);
  }
  std::unique_ptr<models::Extractor> extractor;
  std::unique_ptr<attack::AttackPipeline> pipeline;
  if (computes) {
    extractor = models::Extractor::load(o.extractor, device);
    IRREV_CHECK(models::same_extractor(extractor->info(), a.set.extractor_json, o.templates),
                "extractor '{}' is not the one that made '{}'", o.extractor, o.templates);
    po.position_models = a.position_models;
    po.joint_model = a.joint_model;
    pipeline = std::make_unique<attack::AttackPipeline>(*a.inverter, *extractor, a.inputs, po);
  }
  fig.samples_before = state.samples_done;
  const auto outcome = run_units(comm, o, a.plans, units, pipeline.get(), state, fig, [&] {
    detail::write_attack_checkpoint(ckpt, key, a.plans, state, "running", fig.samples_total);
  });
  fig.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  AttackOutcome result;
  result.complete = outcome.outcome == dist::QueueOutcome::complete;
  result.stalled_ranks = outcome.stalled_ranks;
  if (!comm.is_master()) return result;
  report_rechecks(fig, st);
  if (!result.complete) {
    result.stopped = save_resumable(ckpt, key, a.plans, state, fig.samples_total);
    return result;
  }
  fig.stalled_ranks = outcome.stalled_ranks;
  result.summary = detail::write_attack_result(o, key, a, state, fig);
  fs::remove(ckpt);
  spdlog::info("attack: {} samples in {:.1f} s ({:.1f}/s) -> '{}'", fig.samples_total, fig.seconds,
               static_cast<double>(fig.samples_total - fig.samples_before) / fig.seconds, o.out);
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
      auto prog = data::json_attribute(f, "progress");
      out.push_back({{"file", p.string()},
                     {"status", f.attribute("status")},
                     {"updated", f.attribute("updated")},
                     {"units_done", prog["units_done"]},
                     {"units_total", prog["units_total"]},
                     {"samples_done", prog["samples_done"]},
                     {"samples_total", prog["samples_total"]},
                     {"partial", detail::partial_tables(f)}});
    } else if (f.has_attribute("summary_json")) {
      const auto s = data::json_attribute_as<AttackSummary>(f, "summary_json");
      out.push_back({{"file", p.string()}, {"status", "complete"}, {"samples", s.samples}, {"seconds", s.seconds}});
    }
  }
  return json{{"run_dir", run_dir}, {"attacks", out}}.dump(2);
}

}  // namespace irrev::pipeline
