#pragma once
/// Dynamic master/worker distribution of numbered work units.
///
/// Rank 0 hands out unit numbers on request and receives each unit's result; workers compute.
/// Alone (one rank), rank 0 computes every unit itself. A unit's result must depend on the unit
/// number only, never on the rank or the order: then any rank count gives the same output.
///
/// A queue whose results merge (run_merging_queue: the attack's counts) can hand a worker a
/// grant of consecutive units sized by that worker's measured speed: the worker merges their
/// results and sends one, so rank 0's cost per sample shrinks with the workers' speed
/// (docs/scaling.md: small units on fast GPUs would otherwise make rank 0 the limit).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "irrev/dist/communicator.hpp"
#include "irrev/dist/serialize.hpp"

namespace irrev::dist {

using ComputeFn = std::function<std::string(std::int64_t unit)>;
using SinkFn = std::function<void(std::int64_t unit, const std::string& result)>;
/// A grant: compute units [first, first + count) and return their merged result.
using ComputeGrantFn = std::function<std::string(std::int64_t first, std::int64_t count)>;
using SinkGrantFn = std::function<void(std::int64_t first, std::int64_t count, const std::string& result)>;

/// What a resumable queue needs beyond compute and sink (all used on rank 0 only, but `name`).
struct QueueControl {
  /// The stage the queue serves ("ingest", "attack"): every rank must be in the same one (the
  /// queue checks it at its start) and messages name it.
  std::string name = "work queue";
  std::vector<std::uint8_t> done;  ///< units finished before (from a checkpoint): skipped
  /// Saves the state of every result sunk so far: called at most every
  /// `checkpoint_seconds`, and when a stop is honoured.
  std::function<void()> checkpoint;
  double checkpoint_seconds = 60;
  /// True when the job must stop handing out work (a signal, a time budget).
  std::function<bool()> stop_requested;
  /// A unit not returned within this multiple of the mean unit time (and at least
  /// `deadline_floor_seconds`) is handed to another worker; its worker is reported and given
  /// up on until it answers (a late answer is ignored: results stay exact). 0: no deadline.
  double deadline_factor = 0;
  double deadline_floor_seconds = 10;
  /// The work in units [first, first + count) relative to other units, where units differ (a
  /// search's chunk of a few orders beside a group of whole searches): the deadline then scales
  /// with a grant's work instead of its units, so a heavy unit after many light ones is not
  /// taken for a stalled worker. Empty: every unit is alike (the cost of a grant is its count).
  std::function<double(std::int64_t first, std::int64_t count)> unit_cost;
  /// Grants (only where results merge: run_merging_queue): > 0 lets rank 0 hand a worker as
  /// many consecutive units as take it about this many seconds, from the speed of its last
  /// grant. A worker's first grant is one unit, each next at most 4 times its last, and none
  /// more than the units not yet handed out over twice the workers, so that the last grants end
  /// together. The deadline scales with a grant's units. 0: one unit at a time.
  double grant_seconds = 0;
};

enum class QueueOutcome { complete, stopped };

/// Where rank 0's time went in one queue call (bench/queue_capacity, docs/scaling.md): what
/// bounds how many workers one master can feed. Measured, never a result.
struct QueueStats {
  std::int64_t results = 0;       ///< results received (late answers included): one per grant
  std::int64_t units = 0;         ///< the units they cover
  std::int64_t bytes = 0;         ///< their payload bytes
  std::int64_t checkpoints = 0;   ///< checkpoint calls
  double receive_seconds = 0;     ///< taking results off the network
  double sink_seconds = 0;        ///< the caller's sink (decode and merge)
  double checkpoint_seconds = 0;  ///< the caller's checkpoint
  double idle_seconds = 0;        ///< polling for a result with nothing there
  double wall_seconds = 0;        ///< the whole call
  double compute_seconds = 0;     ///< the workers' compute of the results received
};

struct QueueResult {
  QueueOutcome outcome = QueueOutcome::complete;
  /// Rank 0: workers that missed a deadline and never answered again. They take no part in
  /// anything after the queue, so the caller must end the job (after writing its results)
  /// instead of entering another collective call.
  std::vector<int> stalled_ranks;
  QueueStats stats;  ///< rank 0's time, by what it did
};

/// Run the units that are not done, in grants of consecutive units (each a contiguous run of
/// units not done; one unit each unless `control.grant_seconds` > 0); every rank returns the same
/// outcome. On a stop, rank 0 hands out nothing more, waits for the grants in flight, sinks them
/// and checkpoints. Workers wait for work without spinning. Alone, rank 0 computes every unit
/// itself, one at a time.
QueueResult run_grant_queue(const Communicator& comm, std::int64_t n_units, const ComputeGrantFn& compute,
                            const SinkGrantFn& sink, const QueueControl& control);

/// One unit at a time (`control.grant_seconds` must be 0).
QueueResult run_work_queue(const Communicator& comm, std::int64_t n_units, const ComputeFn& compute, const SinkFn& sink,
                           const QueueControl& control);

/// Run units [0, n_units): `compute` on the workers, `sink` on rank 0 as results arrive.
/// Every rank must call it with the same n_units.
void run_work_queue(const Communicator& comm, std::int64_t n_units, const ComputeFn& compute, const SinkFn& sink);

/// Rank 0: every rank a queue of this process gave up on (missed deadlines), in order. A rank in
/// this list takes part in nothing after: the caller ends the job once its results are saved.
const std::vector<int>& stalled_ranks();

/// Typed form: the result travels as a Boost.Serialization archive.
template <class Result>
void run_work_queue(const Communicator& comm, std::int64_t n_units, const std::function<Result(std::int64_t)>& compute,
                    const std::function<void(std::int64_t, Result&&)>& sink) {
  run_work_queue(
      comm, n_units, [&](std::int64_t u) { return to_bytes(compute(u)); },
      [&](std::int64_t u, const std::string& bytes) { sink(u, from_bytes<Result>(bytes)); });
}

/// Typed form with a control.
template <class Result>
QueueResult run_work_queue(const Communicator& comm, std::int64_t n_units,
                           const std::function<Result(std::int64_t)>& compute,
                           const std::function<void(std::int64_t, Result&&)>& sink, const QueueControl& control) {
  return run_work_queue(
      comm, n_units, [&](std::int64_t u) { return to_bytes(compute(u)); },
      [&](std::int64_t u, const std::string& bytes) { sink(u, from_bytes<Result>(bytes)); }, control);
}

/// Typed form with grants: a worker computes each unit of its grant and merges the results
/// into one `Merged` (default-constructed first), which reaches `sink` with the grant's units.
/// Any split into grants must give the same merged state on rank 0 (sums of counts, say).
template <class Unit, class Merged>
QueueResult run_merging_queue(const Communicator& comm, std::int64_t n_units,
                              const std::function<Unit(std::int64_t)>& compute,
                              const std::function<void(Merged&, Unit&&)>& merge,
                              const std::function<void(std::int64_t, std::int64_t, Merged&&)>& sink,
                              const QueueControl& control) {
  return run_grant_queue(
      comm, n_units,
      [&](std::int64_t first, std::int64_t count) {
        Merged merged;
        for (std::int64_t u = first; u < first + count; ++u) merge(merged, compute(u));
        return to_bytes(merged);
      },
      [&](std::int64_t first, std::int64_t count, const std::string& bytes) {
        sink(first, count, from_bytes<Merged>(bytes));
      },
      control);
}

}  // namespace irrev::dist
