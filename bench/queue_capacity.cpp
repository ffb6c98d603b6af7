// How many units a second one master (rank 0) can take, and where its time goes: the real work
// queue (dist::run_merging_queue for the attack, run_work_queue for verify) with results of the
// real size and the real merge, and workers
// whose compute is replaced by a sleep of --unit-ms (with a log-normal spread of --spread), so
// that the master, not the workers, is what is measured. Two kinds of result:
//   attack  an attack unit's UnitResult (entries x kOutcomes counts, the sparse histogram of its
//           samples' scores), merged on the worker with the other units of its grant
//           (--grant-seconds, as the attack's grant_seconds; 0: one unit a result), added into
//           the plan's PlanTally and checkpointed as the attack does (write_attack_checkpoint
//           every --checkpoint-seconds, when --checkpoint is set);
//   verify  verify's per-protection score histograms (2 x --bins counts each), merged.
// Also the message latency and bandwidth between rank 0 and the last rank (--pingpong).
// Prints one line of key=value pairs on rank 0.
//   mpiexec -n R queue_capacity --kind attack --units 2000 --unit-ms 5 [--samples-per-unit 4096]
//           [--blocks 8] [--grant-seconds 1] [--checkpoint ckpt.h5 --checkpoint-seconds 60]
//           [--pingpong 200]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "irrev/attack/attack_plan.hpp"
#include "irrev/attack/attack_tally.hpp"
#include "irrev/core/memory_policy.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/dist/message_tags.hpp"
#include "irrev/dist/serialize.hpp"
#include "irrev/dist/work_queue.hpp"
#include "irrev/metrics/score_histogram.hpp"
#include "pipeline/attack_checkpoint.hpp"

namespace {

using namespace irrev;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string kind = "attack";
  std::int64_t units = 1000;
  double unit_ms = 5;
  double spread = 0.1;  ///< log-normal sigma of a unit's compute time
  std::int64_t samples_per_unit = 64;
  int blocks = 8;
  int protections = 2;
  int bins = 20000;
  std::string checkpoint;
  double checkpoint_seconds = 60;
  double grant_seconds = 0;
  int pingpong = 0;
};

/// Scores like an attack's (type I around 0.6, type II lower), binned as the attack bins them
/// (0.01 wide over [-1, 1]): what decides how many histogram keys a unit sends.
attack::UnitResult attack_result(const attack::Plan& plan, std::int64_t unit, std::int64_t samples) {
  std::mt19937_64 rng(static_cast<std::uint64_t>(unit));
  attack::UnitResult r;
  r.plan = 0;
  r.entries = 1;
  r.first = unit % plan.size();
  r.counts.assign(attack::kOutcomes, 0);
  r.counts[attack::kTriedType1] = samples;
  r.counts[attack::kTriedType2] = samples / 3;
  std::normal_distribution<double> type1(0.6, 0.15), type2(0.45, 0.15);
  std::map<std::uint32_t, std::uint32_t> hist;
  const int k = plan.complexity[static_cast<std::size_t>(r.first)];
  for (std::int64_t s = 0; s < samples; ++s)
    for (int type = 0; type < (s % 3 == 0 ? 2 : 1); ++type) {
      const double score = std::clamp(type == 0 ? type1(rng) : type2(rng), -1.0, 0.999);
      const auto bin = static_cast<std::uint32_t>((score + 1) * attack::kScoreBins / 2);
      ++hist[static_cast<std::uint32_t>((k * 2 + type) * attack::kScoreBins) + bin];
      if (score >= 0.4) ++r.counts[static_cast<std::size_t>(type == 0 ? attack::kType1Fmr1 : attack::kType2Fmr1)];
    }
  for (const auto& [key, count] : hist) {
    r.hist_keys.push_back(key);
    r.hist_counts.push_back(count);
  }
  return r;
}

std::vector<metrics::ScoreHistogram> verify_result(const Options& o, std::int64_t unit, std::int64_t samples) {
  std::mt19937_64 rng(static_cast<std::uint64_t>(unit));
  std::normal_distribution<double> impostor(0.0, 0.1);
  std::vector<metrics::ScoreHistogram> h(static_cast<std::size_t>(o.protections),
                                         metrics::ScoreHistogram(-1, 1, o.bins));
  for (auto& p : h)
    for (std::int64_t s = 0; s < samples; ++s) p.add_impostor(std::clamp(impostor(rng), -1.0, 0.999));
  return h;
}

/// Half the round trip of `bytes` between rank 0 and the last rank, over `reps` round trips.
/// The other ranks wait asleep (a barrier would spin their cores away from the two that time).
double pingpong(const dist::Communicator& comm, std::size_t bytes, int reps) {
  constexpr int kTag = dist::kTagBenchPingPong, kDone = dist::kTagBenchPingPongDone;
  const int peer = comm.size() - 1;
  std::string msg(bytes, 'x');
  comm.barrier();
  if (comm.rank() != 0 && comm.rank() != peer) {
    comm.recv_idle(0, kDone);
    return 0;
  }
  const auto t0 = Clock::now();
  for (int i = 0; i < reps; ++i) {
    if (comm.rank() == 0) {
      comm.send(peer, kTag, msg);
      msg = comm.recv(peer, kTag);
    } else {
      msg = comm.recv(0, kTag);
      comm.send(0, kTag, msg);
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count() / (2.0 * reps);
  if (comm.rank() == 0)
    for (int r = 1; r < peer; ++r) comm.send(r, kDone, "");
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  core::keep_freed_memory();  // as irrev itself runs
  dist::Communicator comm(&argc, &argv);
  CLI::App app{"the work queue's master: units/s, bytes/s, time per unit"};
  Options o;
  app.add_option("--kind", o.kind, "attack or verify")->check(CLI::IsMember({"attack", "verify"}));
  app.add_option("--units", o.units, "units in the queue");
  app.add_option("--unit-ms", o.unit_ms, "a worker's compute time per unit (a sleep), ms");
  app.add_option("--spread", o.spread, "log-normal sigma of the compute time");
  app.add_option("--samples-per-unit", o.samples_per_unit, "attacked samples (or verify pairs) per unit");
  app.add_option("--blocks", o.blocks, "the attack plan's blocks (exhaustive)");
  app.add_option("--protections", o.protections, "verify: histograms per unit");
  app.add_option("--bins", o.bins, "verify: bins per histogram");
  app.add_option("--checkpoint", o.checkpoint, "attack: write the attack checkpoint here");
  app.add_option("--checkpoint-seconds", o.checkpoint_seconds, "attack: checkpoint cadence");
  app.add_option("--grant-seconds", o.grant_seconds, "attack: units per result sized to this much compute (0: one)");
  app.add_option("--pingpong", o.pingpong, "round trips for the latency and bandwidth figures (0: none)");
  CLI11_PARSE(app, argc, argv);
  if (comm.size() < 2) {
    std::fprintf(stderr, "queue_capacity: needs a master and at least one worker (mpiexec -n 2 or more)\n");
    return 2;
  }
  double latency = 0, bandwidth = 0;
  if (o.pingpong > 0) {
    pingpong(comm, 8, 10);  // connections set up
    latency = pingpong(comm, 8, o.pingpong);
    constexpr std::size_t kBig = 4u << 20;
    bandwidth = static_cast<double>(kBig) / pingpong(comm, kBig, std::max(4, o.pingpong / 20));
  }

  const auto plan = attack::make_plan({o.blocks, attack::PlanKind::exhaustive});
  pipeline::detail::AttackState state;
  state.tallies.emplace_back(o.blocks, plan.size());
  state.done.assign(static_cast<std::size_t>(o.units), 0);
  std::vector<metrics::ScoreHistogram> total(static_cast<std::size_t>(o.protections),
                                             metrics::ScoreHistogram(-1, 1, o.bins));
  // Mean 1 (mu = -sigma^2 / 2): a unit's mean compute time is --unit-ms.
  std::lognormal_distribution<double> spread(-o.spread * o.spread / 2, o.spread);
  std::mt19937_64 rng(static_cast<std::uint64_t>(comm.rank()));
  double compute_seconds = 0;
  // A unit's result made, then the rest of its --unit-ms slept: the worker's compute.
  const auto timed = [&](auto make) {
    const auto t0 = Clock::now();
    auto result = make();
    const auto made = Clock::now() - t0;
    const auto delay = std::chrono::duration<double, std::milli>(o.unit_ms * spread(rng));
    if (delay > made) std::this_thread::sleep_for(delay - made);
    compute_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    return result;
  };
  dist::QueueControl control;
  control.name = "queue_capacity";
  control.grant_seconds = o.grant_seconds;
  if (!o.checkpoint.empty() && o.kind == "attack") {
    control.checkpoint_seconds = o.checkpoint_seconds;
    control.checkpoint = [&] {
      pipeline::detail::write_attack_checkpoint(o.checkpoint, "queue_capacity", {plan}, state, "running",
                                                o.units * o.samples_per_unit);
    };
  }
  comm.barrier();
  dist::QueueResult r;
  if (o.kind == "attack") {
    const std::function<attack::UnitResult(std::int64_t)> compute = [&](std::int64_t u) {
      return timed([&] { return attack_result(plan, u, o.samples_per_unit); });
    };
    const std::function<void(attack::MergedUnits&, attack::UnitResult &&)> merge =
        [](attack::MergedUnits& into, attack::UnitResult&& unit) { into.add(unit); };
    const std::function<void(std::int64_t, std::int64_t, attack::MergedUnits &&)> sink =
        [&](std::int64_t first, std::int64_t count, attack::MergedUnits&& m) {
          for (const auto& d : m.plans) state.tallies[0].add(d);
          std::fill_n(state.done.begin() + first, count, 1);
          state.samples_done += count * o.samples_per_unit;
        };
    r = dist::run_merging_queue(comm, o.units, compute, merge, sink, control);
  } else {
    const dist::ComputeFn compute = [&](std::int64_t u) {
      return timed([&] { return dist::to_bytes(verify_result(o, u, o.samples_per_unit)); });
    };
    const dist::SinkFn sink = [&](std::int64_t, const std::string& bytes) {
      const auto h = dist::from_bytes<std::vector<metrics::ScoreHistogram>>(bytes);
      for (std::size_t p = 0; p < h.size(); ++p) total[p].merge(h[p]);
    };
    r = dist::run_work_queue(comm, o.units, compute, sink, control);
  }
  // The workers' compute, summed on rank 0: the efficiency is compute / (workers x wall).
  const auto all = comm.all_gather(std::to_string(compute_seconds));
  double worker_seconds = 0;
  for (const auto& s : all) worker_seconds += std::stod(s);
  const auto names = comm.hosts();
  const std::set<std::string> hosts(names.begin(), names.end());
  if (!comm.is_master()) return 0;
  const auto& s = r.stats;
  const double per = 1e6 / static_cast<double>(std::max<std::int64_t>(1, s.results));  // per result
  const int workers = comm.size() - 1;
  std::printf(
      "queue_capacity kind=%s ranks=%d hosts=%zu units=%ld results=%ld grant_seconds=%.3f unit_ms=%.3f spread=%.2f "
      "samples_per_unit=%ld wall_s=%.3f units_per_s=%.1f results_per_s=%.1f bytes_per_result=%.0f bytes_per_s=%.0f "
      "us_per_result_receive=%.2f us_per_result_sink=%.2f us_per_result_checkpoint=%.2f checkpoint_seconds=%.1f "
      "checkpoints=%ld "
      "checkpoint_ms_each=%.2f "
      "master_busy=%.4f compute_ms_per_unit=%.4f efficiency=%.4f latency_us=%.2f bandwidth_MBps=%.1f\n",
      o.kind.c_str(), comm.size(), hosts.size(), static_cast<long>(s.units), static_cast<long>(s.results),
      o.grant_seconds, o.unit_ms, o.spread, static_cast<long>(o.samples_per_unit), s.wall_seconds,
      static_cast<double>(s.units) / s.wall_seconds, static_cast<double>(s.results) / s.wall_seconds,
      static_cast<double>(s.bytes) * per / 1e6, static_cast<double>(s.bytes) / s.wall_seconds, s.receive_seconds * per,
      s.sink_seconds * per, s.checkpoint_seconds * per, o.checkpoint.empty() ? 0.0 : o.checkpoint_seconds,
      static_cast<long>(s.checkpoints),
      s.checkpoints ? 1e3 * s.checkpoint_seconds / static_cast<double>(s.checkpoints) : 0.0,
      (s.receive_seconds + s.sink_seconds + s.checkpoint_seconds) / s.wall_seconds,
      1e3 * worker_seconds / static_cast<double>(std::max<std::int64_t>(1, s.units)),
      worker_seconds / (workers * s.wall_seconds), latency * 1e6, bandwidth / 1e6);
  return 0;
}
