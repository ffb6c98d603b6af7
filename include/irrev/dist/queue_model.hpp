#pragma once
/// A discrete-event model of the work queue (work_queue.hpp): one master hands out grants of
/// units, one grant in flight per worker, and takes each result in turn (receive, sink, a
/// checkpoint on its cadence); the workers compute. It predicts a run's wall time and its
/// efficiency (the workers' compute / (workers x wall)) from costs a site measures
/// (docs/scaling.md). `irrev estimate` and bench/queue_model (the check against real runs)
/// both use it, and the master sizes its grants with the same rule (grant_units).
#include <cstdint>

namespace irrev::dist {

/// How many units a worker's next grant holds: as many as take it `grant_seconds` at its last
/// grant's `seconds_per_unit`, at most 4 times that grant's `last_grant` units, at most the
/// units not yet handed out over twice the workers (so the last grants end together), at least
/// one. 1 where grants are off (`grant_seconds` <= 0) or the worker has no grant behind it.
std::int64_t grant_units(double grant_seconds, double seconds_per_unit, std::int64_t last_grant,
                         std::int64_t not_handed, int workers);

struct QueueModel {
  int workers = 1;
  std::int64_t units = 1;
  double unit_seconds = 1;  ///< a unit's mean compute time on one worker
  double spread = 0.1;      ///< log-normal sigma of a unit's compute time
  /// Units' work in the order handed out: alike (the attack: shuffled units of one size), or
  /// falling linearly to 0 (verify's all-vs-all: unit u pairs its rows with every later row).
  bool triangular = false;
  double bytes = 3000;            ///< a one-unit result's bytes
  double bytes_per_unit = 0;      ///< a merged result's bytes per further unit
  double receive_us = 2;          ///< the master's receive, fixed part
  double receive_us_per_kb = 0;   ///< ... per KB
  double sink_us = 3;             ///< the master's merge of a one-unit result
  double sink_us_per_unit = 0;    ///< ... per further unit of a grant
  double grant_seconds = 0;       ///< QueueControl::grant_seconds (0: a unit a result)
  double checkpoint_seconds = 0;  ///< cadence (0: none)
  double checkpoint_ms = 0;       ///< one checkpoint's cost
  /// A grant's way from its worker to the master and the next grant's way back, at rest (the
  /// worker's sleeps between probes, the master's between polls, the messages' latency).
  double handoff_us = 1000;
  double bandwidth_mbps = 1000;  ///< the link into the master
};

struct QueuePrediction {
  int workers = 1;
  double wall_seconds = 0;
  double compute_seconds = 0;  ///< the workers' compute, summed
  std::int64_t results = 0;
  /// The workers' compute / (workers x wall).
  double efficiency() const;
};

/// One simulated run (deterministic for a seed). Not modelled: the network's contention (one
/// shared link), stalled workers and deadlines, the stages before and after the queue.
QueuePrediction simulate_queue(const QueueModel& model, std::uint64_t seed = 1);

}  // namespace irrev::dist
