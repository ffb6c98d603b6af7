#pragma once
// The work queue of a stage that keeps no checkpoint of its own (ingest, embed, verify, gender):
// it stops at the next unit on SIGTERM or SIGUSR1 (the stage then ends as irrev::Stopped on
// every rank; its rerun does it again from its start, and the stages before it are kept), and a
// unit not returned within kStageDeadlineFactor times the mean unit time goes to another worker,
// its rank given up on (dist::stalled_ranks(); the stage still finishes, and the caller ends the
// job once the result is saved).
#include <fmt/ranges.h>

#include <functional>
#include <string>
#include <vector>

#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/dist/stop_signal.hpp"
#include "irrev/dist/work_queue.hpp"

namespace irrev::pipeline::detail {

/// A unit this many times slower than the mean is taken for a stalled rank (at least 30 s).
constexpr double kStageDeadlineFactor = 10;

/// The control every distributed stage's queue runs under: a stop signal ends the handing out
/// of units, and a unit `deadline_factor` times slower than the mean (at least `floor_seconds`)
/// goes to another worker.
inline dist::QueueControl stage_control(const std::string& stage, double deadline_factor = kStageDeadlineFactor,
                                        double floor_seconds = 30) {
  dist::QueueControl control;
  control.name = stage;
  control.stop_requested = [] { return dist::stop_signal() != 0; };
  control.deadline_factor = deadline_factor;
  control.deadline_floor_seconds = floor_seconds;
  return control;
}

/// A resumable stage's (the attack's, unshuffle's searches'): the same, with the units `done`
/// before (from its checkpoint, unit_checkpoint.hpp) skipped and `checkpoint` called every
/// `checkpoint_seconds` and on a stop.
inline dist::QueueControl resumable_control(const std::string& stage, std::vector<std::uint8_t> done,
                                            std::function<void()> checkpoint, double checkpoint_seconds,
                                            double deadline_factor, double floor_seconds = 30) {
  auto control = stage_control(stage, deadline_factor, floor_seconds);
  control.done = std::move(done);
  control.checkpoint = std::move(checkpoint);
  control.checkpoint_seconds = checkpoint_seconds;
  return control;
}

template <class Result>
void run_stage_queue(const dist::Communicator& comm, const std::string& stage, std::int64_t units,
                     const std::function<Result(std::int64_t)>& compute,
                     const std::function<void(std::int64_t, Result&&)>& sink) {
  const auto r = dist::run_work_queue<Result>(comm, units, compute, sink, stage_control(stage));
  if (r.outcome == dist::QueueOutcome::stopped)
    throw Stopped(fmt::format(
        "{}: stopped by signal {} before its {} units were done; nothing of this stage is kept (the stages before it "
        "are), and the same command does it again",
        stage, dist::stop_signal(), units));
  if (!r.stalled_ranks.empty())
    spdlog::warn("{}: rank(s) {} stopped answering; their units were done by others and the result is whole", stage,
                 fmt::join(r.stalled_ranks, ", "));
}

}  // namespace irrev::pipeline::detail
