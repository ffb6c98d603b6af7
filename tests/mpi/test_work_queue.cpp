// Run under mpiexec with 1..4 ranks: every unit reaches the master exactly once, with the
// result that its number alone determines, whatever the rank count.
#include <gtest/gtest.h>

#include <map>

#include "irrev/dist/communicator.hpp"
#include "irrev/dist/work_queue.hpp"

using namespace irrev;

namespace {
dist::Communicator* g_comm = nullptr;

struct UnitResult {
  std::int64_t unit = -1;
  std::vector<double> values;
  std::string label;
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar & unit & values & label;
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
        return UnitResult{u, std::vector<double>(static_cast<std::size_t>(u % 5), 0.5 * u),
                          "unit" + std::to_string(u)};
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
      *g_comm, 0, [](std::int64_t) { return std::string("x"); },
      [&](std::int64_t, const std::string&) { ++sinks; });
  EXPECT_EQ(sinks, 0);
}

TEST(Communicator, BroadcastAndSum) {
  std::string s = g_comm->is_master() ? "from rank 0" : "";
  g_comm->broadcast(s, 0);
  EXPECT_EQ(s, "from rank 0");
  EXPECT_EQ(g_comm->sum(g_comm->rank() + 1), g_comm->size() * (g_comm->size() + 1) / 2);
}

int main(int argc, char** argv) {
  dist::Communicator comm(&argc, &argv);
  g_comm = &comm;
  ::testing::InitGoogleTest(&argc, argv);
  // Only rank 0 prints the test report; the others report failures only.
  if (!comm.is_master()) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int rc = RUN_ALL_TESTS();
  // A failure on any rank fails the run on every rank.
  return comm.sum(rc != 0) > 0 ? 1 : 0;
}
