// main of the MPI tests: one communicator for all of them; a failure on any rank fails the
// run on every rank.
#include <gtest/gtest.h>

#include "mpi_main.hpp"

namespace irrev::test {
dist::Communicator* mpi_comm = nullptr;
}  // namespace irrev::test

int main(int argc, char** argv) {
  irrev::dist::Communicator comm(&argc, &argv);
  irrev::test::mpi_comm = &comm;
  ::testing::InitGoogleTest(&argc, argv);
  // Only rank 0 prints the test report; the others report failures only.
  if (!comm.is_master()) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int rc = RUN_ALL_TESTS();
  return comm.sum(rc != 0) > 0 ? 1 : 0;
}
