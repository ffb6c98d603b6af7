// Run under mpiexec with 1..4 ranks: every unit reaches the master exactly once, with the
// result that its number alone determines, whatever the rank count.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <chrono>
#include <functional>
#include <map>
#include <thread>

#include "irrev/core/error.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/dist/work_queue.hpp"
#include "mpi_main.hpp"

using namespace irrev;

namespace {
dist::Communicator* const& g_comm = irrev::test::mpi_comm;

struct UnitResult {
  std::int64_t unit = -1;
  std::vector<double> values;
  std::string label;
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& unit& values& label;
  }
};
}  // namespace

TEST(WorkQueue, EveryUnitArrivesOnceWithItsResult) {
  const std::int64_t n = 37;
  std::map<std::int64_t, UnitResult> got;
  int computed_here = 0;
  dist::run_work_queue<UnitResult>(
      *g_comm, n,
      [&](std::int64_t u) {
        ++computed_here;
        return UnitResult{u, std::vector<double>(static_cast<std::size_t>(u % 5), 0.5 * u), "unit" + std::to_string(u)};
      },
      [&](std::int64_t u, UnitResult&& r) {
        EXPECT_TRUE(got.emplace(u, std::move(r)).second) << "unit " << u << " twice";
      });
  if (g_comm->is_master()) {
    ASSERT_EQ(static_cast<std::int64_t>(got.size()), n);
    for (const auto& [u, r] : got) {
      EXPECT_EQ(r.unit, u);
      EXPECT_EQ(r.values.size(), static_cast<std::size_t>(u % 5));
      for (double v : r.values) EXPECT_EQ(v, 0.5 * u);
      EXPECT_EQ(r.label, "unit" + std::to_string(u));
    }
    // With workers, the master only hands out work.
    EXPECT_EQ(computed_here, g_comm->size() == 1 ? n : 0);
  }
  // Every unit was computed by exactly one rank.
  EXPECT_EQ(g_comm->sum(computed_here), n);
}

TEST(WorkQueue, ZeroUnitsEndsEveryRank) {
  int sinks = 0;
  dist::run_work_queue(
      *g_comm, 0, [](std::int64_t) { return std::string("x"); }, [&](std::int64_t, const std::string&) { ++sinks; });
  EXPECT_EQ(sinks, 0);
}

/// Units marked done (from a checkpoint) are neither computed nor sunk again; a checkpoint every
/// 0 s follows each sink.
TEST(WorkQueue, FinishedUnitsAreSkippedAndCheckpointsFollowSinks) {
  const std::int64_t n = 20;
  dist::QueueControl control;
  control.done.assign(n, 0);
  for (std::int64_t u = 0; u < n; u += 3) control.done[static_cast<std::size_t>(u)] = 1;  // 7 done
  control.checkpoint_seconds = 0;
  int checkpoints = 0, sinks = 0, computed = 0;
  control.checkpoint = [&] { ++checkpoints; };
  const auto r = dist::run_work_queue(
      *g_comm, n,
      [&](std::int64_t u) {
        ++computed;
        EXPECT_NE(u % 3, 0) << "unit " << u << " was done before";
        return std::to_string(u);
      },
      [&](std::int64_t u, const std::string& bytes) {
        ++sinks;
        EXPECT_EQ(bytes, std::to_string(u));
      },
      control);
  EXPECT_EQ(r.outcome, dist::QueueOutcome::complete);
  EXPECT_EQ(g_comm->sum(computed), 13);
  if (g_comm->is_master()) {
    EXPECT_EQ(sinks, 13);
    EXPECT_EQ(checkpoints, 13);
  }
}

/// Rank 0's account of a multi-rank queue: every result and its payload bytes counted, the
/// workers' compute (each unit sleeps 3 ms) summed from what they report, and the checkpoints
/// counted and timed (each sleeps 1 ms).
TEST(WorkQueue, StatsCountResultsBytesComputeAndCheckpoints) {
  const std::int64_t n = 24;
  dist::QueueControl control;
  control.checkpoint_seconds = 0;
  control.checkpoint = [] { std::this_thread::sleep_for(std::chrono::milliseconds(1)); };
  const auto r = dist::run_work_queue(
      *g_comm, n,
      [](std::int64_t u) {
        std::this_thread::sleep_for(std::chrono::milliseconds(3));
        return std::string(static_cast<std::size_t>(u), 'x');  // u bytes
      },
      [](std::int64_t, const std::string&) {}, control);
  if (!g_comm->is_master() || g_comm->size() == 1) return;
  const auto& s = r.stats;
  EXPECT_EQ(s.units, n);
  EXPECT_EQ(s.bytes, n * (n - 1) / 2);
  EXPECT_GE(s.compute_seconds, n * 0.003);
  EXPECT_LE(s.compute_seconds, s.wall_seconds * (g_comm->size() - 1));
  EXPECT_EQ(s.checkpoints, n);
  EXPECT_GE(s.checkpoint_seconds, n * 0.001);
  EXPECT_LE(s.receive_seconds + s.sink_seconds + s.checkpoint_seconds + s.idle_seconds, s.wall_seconds);
}

/// A stop (a signal, in the attack) ends the queue on every rank as "stopped": no unit is handed
/// out after it, the units in flight are sunk, and the state is checkpointed once more.
TEST(WorkQueue, AStopEndsEveryRankAndCheckpoints) {
  const std::int64_t n = 40;
  dist::QueueControl control;
  control.checkpoint_seconds = 1e9;  // only the stop's checkpoint
  int checkpoints = 0, sinks = 0;
  control.checkpoint = [&] { ++checkpoints; };
  control.stop_requested = [&] { return sinks >= 5; };
  const auto r = dist::run_work_queue(
      *g_comm, n,
      [](std::int64_t u) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return std::to_string(u);
      },
      [&](std::int64_t, const std::string&) { ++sinks; }, control);
  EXPECT_EQ(r.outcome, dist::QueueOutcome::stopped);
  if (g_comm->is_master()) {
    EXPECT_GE(sinks, 5);
    EXPECT_LE(sinks, 5 + g_comm->size());  // at most one unit in flight per worker after the stop
    EXPECT_LT(sinks, n);
    EXPECT_EQ(checkpoints, 1);
  }
}

TEST(Communicator, SplitGivesSubCommunicators) {
  const int color = g_comm->rank() % 2;
  auto sub = g_comm->split(color);
  const int expected = (g_comm->size() + 1 - color) / 2;  // ranks of this parity
  EXPECT_EQ(sub->size(), expected);
  EXPECT_EQ(sub->rank(), g_comm->rank() / 2);
  EXPECT_EQ(sub->sum(1), expected);
  EXPECT_EQ(sub->sum(g_comm->rank()), color == 0 ? (expected - 1) * expected : expected * expected);
}

/// A worker that sits on a unit far beyond its deadline: the master hands the unit to another
/// worker, every unit is sunk once with its own result, and the slow rank, which has not
/// answered when the others have done everything, is reported. Its late answer (after the
/// queue ended) must not be taken for a unit of the next queue: the next test runs one.
TEST(WorkQueue, AUnitPastItsDeadlineGoesToAnotherWorker) {
  if (g_comm->size() < 3) GTEST_SKIP() << "needs two workers";
  const std::int64_t n = 24;
  std::map<std::int64_t, std::string> got;
  dist::QueueControl control;
  control.deadline_factor = 4;
  control.deadline_floor_seconds = 0.5;
  int computed_here = 0;
  const auto r = dist::run_work_queue(
      *g_comm, n,
      [&](std::int64_t u) {
        ++computed_here;
        // Rank 1 takes 2.5 s over its third unit (the others take 20 ms): past the deadline.
        const bool slow = g_comm->rank() == 1 && computed_here == 3;
        std::this_thread::sleep_for(std::chrono::milliseconds(slow ? 2500 : 20));
        return "result " + std::to_string(u);
      },
      [&](std::int64_t u, const std::string& bytes) {
        EXPECT_TRUE(got.emplace(u, bytes).second) << "unit " << u << " sunk twice";
      },
      control);
  EXPECT_EQ(r.outcome, dist::QueueOutcome::complete);
  if (g_comm->is_master()) {
    ASSERT_EQ(static_cast<std::int64_t>(got.size()), n);
    for (const auto& [u, bytes] : got) EXPECT_EQ(bytes, "result " + std::to_string(u));
    EXPECT_EQ(r.stalled_ranks, std::vector<int>{1});
  }
  // The slow unit was computed twice: once late by rank 1, once by another worker.
  EXPECT_EQ(g_comm->sum(computed_here), n + 1);
}

/// Units of unequal work (a search's chunks of a few orders, then groups of whole searches):
/// the last unit takes 75 times the light ones' time, far past a deadline of 4 times the mean
/// unit, but its cost says it is 100 times their work, so its worker is not taken for stalled
/// and every unit is computed once.
TEST(WorkQueue, AHeavyUnitsDeadlineFollowsItsCost) {
  if (g_comm->size() < 3) GTEST_SKIP() << "needs two workers";
  const std::int64_t n = 16;
  dist::QueueControl control;
  control.deadline_factor = 4;
  control.deadline_floor_seconds = 0.5;
  control.unit_cost = [&](std::int64_t first, std::int64_t count) {
    double c = 0;
    for (std::int64_t u = first; u < first + count; ++u) c += u == n - 1 ? 100 : 1;
    return c;
  };
  int computed_here = 0;
  std::int64_t sunk = 0;
  const auto r = dist::run_work_queue(
      *g_comm, n,
      [&](std::int64_t u) {
        ++computed_here;
        std::this_thread::sleep_for(std::chrono::milliseconds(u == n - 1 ? 1500 : 20));
        return std::to_string(u);
      },
      [&](std::int64_t, const std::string&) { ++sunk; }, control);
  EXPECT_EQ(r.outcome, dist::QueueOutcome::complete);
  if (g_comm->is_master()) {
    EXPECT_EQ(sunk, n);
    EXPECT_TRUE(r.stalled_ranks.empty()) << "a worker was taken for stalled over a heavy unit";
  }
  EXPECT_EQ(g_comm->sum(computed_here), n);  // none computed twice
}

/// Workers without work wait without spinning: a worker idle for 1.5 s uses a small share of a
/// core (a blocking MPI receive would use all of it).
TEST(WorkQueue, IdleWorkersSleep) {
  if (g_comm->size() < 3) GTEST_SKIP() << "needs two workers";
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  const auto t0 = std::chrono::steady_clock::now();
  dist::run_work_queue(
      *g_comm, 1,
      [](std::int64_t) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        return std::string("done");
      },
      [](std::int64_t, const std::string&) {});
  getrusage(RUSAGE_SELF, &after);
  const auto cpu = [](const rusage& u) {
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1e-6 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
  };
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // One of the workers computed (and slept); every rank's CPU time stays far below its wall time.
  EXPECT_LT(cpu(after) - cpu(before), 0.5 * wall) << "rank " << g_comm->rank() << " spun while waiting";
}

TEST(Communicator, BroadcastAndSum) {
  std::string s = g_comm->is_master() ? "from rank 0" : "";
  g_comm->broadcast(s, 0);
  EXPECT_EQ(s, "from rank 0");
  EXPECT_EQ(g_comm->sum(g_comm->rank() + 1), g_comm->size() * (g_comm->size() + 1) / 2);
  EXPECT_TRUE(g_comm->agree(g_comm->is_master()));
  EXPECT_FALSE(g_comm->agree(!g_comm->is_master()));
}

// Ranks that reach different stages (one skipped a queue, say) are told so at the queue's start,
// by name, on every rank, instead of taking each other's messages or waiting for ever.
TEST(WorkQueue, RanksInDifferentQueuesAreAnErrorOnEveryRank) {
  if (g_comm->size() == 1) GTEST_SKIP() << "one rank is always in its own queue";
  dist::QueueControl control;
  control.name = g_comm->rank() == 1 ? "embed" : "ingest";
  try {
    dist::run_work_queue(
        *g_comm, 4, [](std::int64_t) { return std::string("x"); }, [](std::int64_t, const std::string&) {}, control);
    FAIL() << "rank " << g_comm->rank() << " ran a queue the others were not in";
  } catch (const InternalError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("rank 1 is in work queue 'embed'"), std::string::npos) << what;
    EXPECT_NE(what.find("while rank 0 is in 'ingest'"), std::string::npos) << what;
  }
  // The ranks are in step again: the next queue runs.
  std::int64_t sunk = 0;
  dist::run_work_queue<std::int64_t>(
      *g_comm, 5, [](std::int64_t u) { return u; }, [&](std::int64_t u, std::int64_t&& r) { sunk += u == r; });
  if (g_comm->is_master()) EXPECT_EQ(sunk, 5);
}

namespace {
/// A grant's merged result in the tests below: the units it covered, in the order computed.
using Units = std::vector<std::int64_t>;
const std::function<void(Units&, std::int64_t&&)> append_unit = [](Units& into, std::int64_t&& u) {
  into.push_back(u);
};
}  // namespace

/// Grants sized by speed: units of 0.5 ms and grants of 20 ms make workers take many units a
/// result, each grant a contiguous run of units not done before, every unit sunk once with the
/// result its number alone determines; the units done before (a checkpoint's) are never handed out.
TEST(WorkQueue, GrantsMergeConsecutiveUnitsAndSkipFinishedOnes) {
  const std::int64_t n = 600;
  dist::QueueControl control;
  control.name = "grants";
  control.grant_seconds = 0.02;
  control.done.assign(n, 0);
  for (std::int64_t u = 100; u < 130; ++u) control.done[static_cast<std::size_t>(u)] = 1;  // a finished stretch
  if (!g_comm->is_master()) control.done.clear();
  std::vector<int> sunk(n, 0);
  std::int64_t grants = 0, computed = 0;
  const auto r = dist::run_merging_queue<std::int64_t, Units>(
      *g_comm, n,
      [&](std::int64_t u) {
        ++computed;
        std::this_thread::sleep_for(std::chrono::microseconds(500));
        return u;
      },
      append_unit,
      [&](std::int64_t first, std::int64_t count, Units&& units) {
        ++grants;
        ASSERT_EQ(static_cast<std::int64_t>(units.size()), count);
        for (std::int64_t i = 0; i < count; ++i) {
          EXPECT_EQ(units[static_cast<std::size_t>(i)], first + i) << "grant " << first << "+" << count;
          ++sunk[static_cast<std::size_t>(first + i)];
        }
      },
      control);
  EXPECT_EQ(r.outcome, dist::QueueOutcome::complete);
  EXPECT_EQ(g_comm->sum(computed), n - 30);
  if (!g_comm->is_master()) return;
  for (std::int64_t u = 0; u < n; ++u)
    EXPECT_EQ(sunk[static_cast<std::size_t>(u)], u >= 100 && u < 130 ? 0 : 1) << "unit " << u;
  if (g_comm->size() == 1) {
    EXPECT_EQ(grants, n - 30);  // alone: one unit at a time
    return;
  }
  EXPECT_EQ(r.stats.units, n - 30);
  EXPECT_EQ(r.stats.results, grants);
  // 20 ms grants of 0.5 ms units: far fewer results than units (each worker starts at 1 unit
  // and at most quadruples; the tail shrinks them again).
  EXPECT_LT(grants * 4, n - 30) << grants << " grants";
}

/// A grant whose worker sits on it past the deadline goes whole to another worker: every unit
/// is sunk once, the late answer is ignored, and the slow rank is reported.
TEST(WorkQueue, AGrantPastItsDeadlineGoesWholeToAnotherWorker) {
  if (g_comm->size() < 3) GTEST_SKIP() << "needs two workers";
  const std::int64_t n = 200;
  dist::QueueControl control;
  control.name = "late grant";
  control.grant_seconds = 0.05;
  control.deadline_factor = 4;
  control.deadline_floor_seconds = 0.5;
  std::vector<int> sunk(n, 0);
  int computed_here = 0;
  const auto r = dist::run_merging_queue<std::int64_t, Units>(
      *g_comm, n,
      [&](std::int64_t u) {
        ++computed_here;
        // Rank 1 takes 2.5 s over its 20th unit (the others take 2 ms): its grant misses the deadline.
        const bool slow = g_comm->rank() == 1 && computed_here == 20;
        std::this_thread::sleep_for(std::chrono::milliseconds(slow ? 2500 : 2));
        return u;
      },
      append_unit,
      [&](std::int64_t first, std::int64_t count, Units&& units) {
        for (std::int64_t i = 0; i < count; ++i) {
          EXPECT_EQ(units[static_cast<std::size_t>(i)], first + i);
          ++sunk[static_cast<std::size_t>(first + i)];
        }
      },
      control);
  EXPECT_EQ(r.outcome, dist::QueueOutcome::complete);
  if (g_comm->is_master()) {
    for (std::int64_t u = 0; u < n; ++u) EXPECT_EQ(sunk[static_cast<std::size_t>(u)], 1) << "unit " << u;
    EXPECT_EQ(r.stalled_ranks, std::vector<int>{1});
  }
  // The slow grant was computed twice: by rank 1, late, and whole by another worker.
  EXPECT_GT(g_comm->sum(computed_here), n);
}

/// Results that cannot merge take one unit at a time: grants asked of such a queue are a
/// programming error on every rank, before any message.
TEST(WorkQueue, GrantsNeedMergingResults) {
  dist::QueueControl control;
  control.grant_seconds = 1;
  EXPECT_THROW(
      dist::run_work_queue(
          *g_comm, 3, [](std::int64_t) { return std::string("x"); }, [](std::int64_t, const std::string&) {}, control),
      InternalError);
}
