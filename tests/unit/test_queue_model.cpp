// The work queue's model (dist::simulate_queue) on cases worked by hand, and the grant rule the
// master and the model share.
#include <gtest/gtest.h>

#include "irrev/dist/queue_model.hpp"

using irrev::dist::grant_units;
using irrev::dist::QueueModel;
using irrev::dist::simulate_queue;

namespace {
/// No spread, no costs: each case adds what it tests.
QueueModel bare(int workers, std::int64_t units, double unit_seconds) {
  QueueModel m;
  m.workers = workers;
  m.units = units;
  m.unit_seconds = unit_seconds;
  m.spread = 0;
  m.bytes = 0;
  m.receive_us = 0;
  m.sink_us = 0;
  m.handoff_us = 0;
  return m;
}
}  // namespace

TEST(GrantUnits, SpeedCapsAndTail) {
  const double unit = 1.0 / 64;                        // exact in binary: 64 units a second
  EXPECT_EQ(grant_units(0, unit, 5, 1000, 4), 1);      // grants off
  EXPECT_EQ(grant_units(1, unit, 0, 1000, 4), 1);      // no grant behind the worker
  EXPECT_EQ(grant_units(1, unit, 5, 100000, 4), 20);   // at most 4x the last
  EXPECT_EQ(grant_units(1, unit, 50, 100000, 4), 64);  // 1 s of units
  EXPECT_EQ(grant_units(1, unit, 50, 400, 4), 50);     // 400 left over 2 x 4 workers
  EXPECT_EQ(grant_units(1, unit, 50, 3, 4), 1);        // never less than one
}

TEST(QueueModel, OneWorkerPaysAHandoffAndAServiceAUnit) {
  QueueModel m = bare(1, 100, 0.01);
  m.handoff_us = 1000;
  m.receive_us = 20;
  m.sink_us = 30;
  const auto p = simulate_queue(m);
  EXPECT_NEAR(p.wall_seconds, 100 * (0.01 + 0.0005 + 50e-6) + 99 * 0.0005, 1e-9);
  EXPECT_NEAR(p.efficiency(), 100 * 0.01 / p.wall_seconds, 1e-12);
  EXPECT_EQ(p.results, 100);
}

TEST(QueueModel, ASaturatedMasterServesOneResultAtATime) {
  QueueModel m = bare(1000, 50000, 0.001);
  m.receive_us = 40;
  m.sink_us = 60;  // 100 us a result: 10,000 results a second
  EXPECT_NEAR(50000 / simulate_queue(m).wall_seconds, 10000, 300);
  m.checkpoint_seconds = 0.1;  // 10 ms every 0.1 s: one part in eleven
  m.checkpoint_ms = 10;
  EXPECT_NEAR(50000 / simulate_queue(m).wall_seconds, 10000 / 1.1, 300);
}

TEST(QueueModel, TriangularUnitsKeepTheirTotal) {
  QueueModel m = bare(1, 1000, 0.01);
  m.triangular = true;
  EXPECT_NEAR(simulate_queue(m).compute_seconds, 10.0, 1e-6);
}

TEST(QueueModel, GrantsFollowTheMastersRule) {
  // 0.105 s grants of 10 ms units on one worker: 1, 4, then 10 while half the units left allow,
  // then 7, 4, 2, 1, 1: 15 results, each a handoff and a service.
  QueueModel m = bare(1, 100, 0.01);
  m.handoff_us = 1000;
  m.sink_us = 50;
  m.grant_seconds = 0.105;
  auto p = simulate_queue(m);
  EXPECT_EQ(p.results, 15);
  EXPECT_NEAR(p.wall_seconds, 100 * 0.01 + 15 * (0.0005 + 50e-6) + 14 * 0.0005, 1e-9);
  // A grant's further units cost the master its per-unit sink: 5 units in grants of 1, 2, 1, 1.
  m = bare(1, 5, 0.01);
  m.sink_us = 10;
  m.sink_us_per_unit = 1000;
  m.grant_seconds = 1;
  p = simulate_queue(m);
  EXPECT_EQ(p.results, 4);
  EXPECT_NEAR(p.wall_seconds, 5 * 0.01 + 4 * 10e-6 + 1000e-6, 1e-9);
}
