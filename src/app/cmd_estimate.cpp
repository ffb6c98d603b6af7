// irrev estimate: what a job's attack will cost on a cluster before it is submitted: its
// samples, the GPU-hours, the wall time and efficiency the work queue's model predicts
// (dist::simulate_queue, docs/scaling.md) for a worker count and speed, and the sbatch line.
#include <cmath>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "irrev/attack/attack_plan.hpp"
#include "irrev/config/job_config.hpp"
#include "irrev/core/error.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/dist/queue_model.hpp"
#include "irrev/pipeline/attack_stage.hpp"

namespace irrev::app {
namespace {

/// A device's attack speed as measured whole (bench/RESULTS.md): what --device names.
struct MeasuredSpeed {
  const char* device;
  double samples_per_second;
  const char* how;
};
constexpr MeasuredSpeed kMeasuredSpeeds[] = {
    {"h200", 16889, "NVIDIA H200, bf16, batch 1024, CUDA graph; bench/RESULTS.md, 2026-11-26"},
};

/// The master's costs and the handoff, as measured on this project's 2-core test machine
/// (docs/scaling.md, bench/queue_runs/capacity_one_host.txt): the slower of what was measured,
/// so the prediction errs towards a longer run. A site measures its own with
/// bench/queue_capacity.
struct MasterCosts {
  double receive_us = 2.2, sink_us = 8.6;  ///< a one-unit attack result
  double bytes = 1550;                     ///< a one-unit attack result (4,096 samples)
  /// A grant's further units add each of their plan entries' counts: bytes and merge time.
  double bytes_per_entry = 80, sink_us_per_entry = 0.14;
  double handoff_us = 1065;    ///< across nodes, at rest
  double checkpoint_ms = 100;  ///< an 8-block exhaustive plan's checkpoint
};

struct EstimateOptions {
  std::string job;
  int workers = 0;
  double samples_per_second = 0;
  std::string device;
  std::int64_t templates = 0;
  int workers_per_node = 4;
  bool json = false;
};

/// The time limit: the predicted wall times this (the model's error on real runs was within
/// 15 %, docs/scaling.md), plus the signal's lead.
constexpr double kLimitFactor = 1.2;
/// Under this predicted efficiency the estimate says what would feed the workers better.
constexpr double kWellFed = 0.9;

/// The scripts' lead between SLURM's warning signal and the time limit (--signal=USR1@600 in
/// slurm/gpu_nodes.sbatch, @300 in cpu_nodes.sbatch): the attack checkpoints in it, and the
/// requeued job resumes.
double signal_lead_seconds(bool gpu) { return gpu ? 600 : 300; }

std::string hours_minutes(double seconds) {
  const auto minutes = static_cast<long>(std::ceil(seconds / 60));
  return fmt::format("{:02d}:{:02d}:00", minutes / 60, minutes % 60);
}

nlohmann::ordered_json estimate(const EstimateOptions& o) {
  IRREV_CHECK(o.workers >= 1, "estimate: --workers must be at least 1");
  double speed = o.samples_per_second;
  std::string speed_source = "--samples-per-second";
  if (!o.device.empty()) {
    std::string known;
    for (const auto& m : kMeasuredSpeeds) {
      known += std::string(known.empty() ? "" : ", ") + m.device;
      if (o.device == m.device) {
        speed = m.samples_per_second;
        speed_source = m.how;
      }
    }
    IRREV_CHECK(speed_source != "--samples-per-second",
                "estimate: no measured attack speed for device '{}' (measured: {}); give --samples-per-second from "
                "a short run on it (the attack's log: 'attack: N samples in S s (R/s)')",
                o.device, known);
  }
  IRREV_CHECK(speed > 0, "estimate: give --samples-per-second (a worker's attack speed) or --device");
  const auto job = config::load_job(o.job, config::JobPaths::as_written);  // no file of it is opened
  IRREV_CHECK(job.attack, "estimate: job '{}' has no [attack] section: nothing to estimate", o.job);
  const auto& st = job.attack_settings;
  const std::int64_t templates = o.templates > 0 ? o.templates : st.selection.max_templates;
  IRREV_CHECK(templates > 0,
              "estimate: job '{}' attacks all its templates; say how many with --templates N (the attack's log "
              "line 'attack: N templates', or the images: LFW has 13,233)",
              o.job);
  std::vector<attack::Plan> plans;
  std::int64_t samples = 0;
  nlohmann::ordered_json plan_rows = nlohmann::ordered_json::array();
  for (const auto& spec : st.plans) {
    plans.push_back(attack::make_plan(spec));
    samples += plans.back().size() * templates;
    plan_rows.push_back({{"plan", spec.name()}, {"permutations", plans.back().size()}});
  }
  const std::int64_t units = pipeline::attack_units(plans, templates, st.entries_per_unit, st.templates_per_unit);
  const double unit_samples = static_cast<double>(samples) / static_cast<double>(units);

  const MasterCosts c;
  dist::QueueModel m;
  m.workers = o.workers;
  m.units = units;
  m.unit_seconds = unit_samples / speed;
  m.bytes = c.bytes;
  m.bytes_per_unit = c.bytes_per_entry * static_cast<double>(st.entries_per_unit);
  m.receive_us = c.receive_us;
  m.sink_us = c.sink_us;
  m.sink_us_per_unit = c.sink_us_per_entry * static_cast<double>(st.entries_per_unit);
  m.grant_seconds = st.grant_seconds;
  m.checkpoint_seconds = st.checkpoint_seconds;
  m.checkpoint_ms = c.checkpoint_ms;
  m.handoff_us = c.handoff_us;
  const auto p = dist::simulate_queue(m);

  const int nodes = (o.workers + o.workers_per_node - 1) / o.workers_per_node;
  const bool gpu = st.device.is_cuda();
  const std::string limit = hours_minutes(p.wall_seconds * kLimitFactor + signal_lead_seconds(gpu));
  const std::string sbatch =
      gpu ? fmt::format("sbatch --nodes={} --ntasks={} --gpus-per-node={} --time={} slurm/gpu_nodes.sbatch {}", nodes,
                        o.workers + 1, std::min(o.workers, o.workers_per_node), limit, o.job)
          : fmt::format("sbatch --nodes={} --ntasks={} --time={} slurm/cpu_nodes.sbatch {}", nodes, o.workers + 1,
                        limit, o.job);
  return {{"job", o.job},
          {"plans", plan_rows},
          {"templates", templates},
          {"samples", samples},
          {"units", units},
          {"samples_per_unit", unit_samples},
          {"grant_seconds", st.grant_seconds},
          {"workers", o.workers},
          {"samples_per_second_per_worker", speed},
          {"speed_source", speed_source},
          {gpu ? "gpu_hours" : "core_hours", static_cast<double>(samples) / speed / 3600},
          {"predicted_wall_seconds", p.wall_seconds},
          {"predicted_efficiency", p.efficiency()},
          {"results_per_second_at_rank_0", static_cast<double>(p.results) / p.wall_seconds},
          {"time_limit", limit},
          {"sbatch", sbatch},
          {"advice", p.efficiency() >= kWellFed
                         ? ""
                         : fmt::format("efficiency under {}: fewer workers, or larger units (templates_per_unit, "
                                       "permutations_per_unit) and grant_seconds, keep the master fed "
                                       "(docs/scaling.md)",
                                       kWellFed)}};
}

std::string text(const nlohmann::ordered_json& e) {
  std::string plans;
  for (const auto& p : e["plans"])
    plans += fmt::format("{}{} ({} permutations)", plans.empty() ? "" : ", ", p["plan"].get<std::string>(),
                         p["permutations"].get<std::int64_t>());
  const bool gpu = e.contains("gpu_hours");
  return fmt::format(
      "{}: the attack of {} on {} templates: {} samples in {} units of {:.0f} samples (grants of about {} s)\n"
      "{} workers at {:.0f} samples/s each ({}): {:.2f} {} of attack\n"
      "predicted: {:.1f} s wall, efficiency {:.3f}, {:.0f} results/s at rank 0 (docs/scaling.md: the model, its "
      "check, what it leaves out)\n"
      "{}\n{}"
      "(the attack stage only: the stages before it come on top, and are kept when a job requeues; the time limit is "
      "the predicted wall x {} plus the {:.0f} s the script's signal leaves to checkpoint, and a longer run requeues "
      "and resumes)",
      e["job"].get<std::string>(), plans, e["templates"].get<std::int64_t>(), e["samples"].get<std::int64_t>(),
      e["units"].get<std::int64_t>(), e["samples_per_unit"].get<double>(), e["grant_seconds"].get<double>(),
      e["workers"].get<int>(), e["samples_per_second_per_worker"].get<double>(), e["speed_source"].get<std::string>(),
      e[gpu ? "gpu_hours" : "core_hours"].get<double>(), gpu ? "GPU-hours" : "core-hours",
      e["predicted_wall_seconds"].get<double>(), e["predicted_efficiency"].get<double>(),
      e["results_per_second_at_rank_0"].get<double>(), e["sbatch"].get<std::string>(),
      e["advice"].get<std::string>().empty() ? "" : e["advice"].get<std::string>() + "\n", kLimitFactor,
      signal_lead_seconds(gpu));
}

}  // namespace

Command add_estimate(CLI::App& app, const GlobalOptions& /*g*/) {
  auto* sub = app.add_subcommand(
      "estimate", "Predict a job's attack on a cluster: samples, GPU-hours, wall time, efficiency, the sbatch line");
  auto o = std::make_shared<EstimateOptions>();
  sub->add_option("job", o->job, "The job file")->required()->check(CLI::ExistingFile);
  add_value(sub, "--workers", o->workers, "Worker ranks (one per GPU)")->required()->check(in_range(1, 1 << 24));
  sub->add_option("--samples-per-second", o->samples_per_second, "One worker's attack speed (its log's R/s)");
  sub->add_option("--device", o->device, "A device whose speed bench/RESULTS.md measured: h200")
      ->excludes("--samples-per-second");
  sub->add_option("--templates", o->templates, "Templates the attack selects (default: the job's max_templates)");
  add_value(sub, "--workers-per-node", o->workers_per_node, "Workers (GPUs) per node")->check(in_range(1, 1024));
  sub->add_flag("--json", o->json, "Print JSON");
  return {sub, [o](const dist::Communicator& comm) {
            const auto e = estimate(*o);
            print_master(comm, o->json ? e.dump(2) : text(e));
            return 0;
          }};
}

}  // namespace irrev::app
