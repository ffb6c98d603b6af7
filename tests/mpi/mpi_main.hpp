#pragma once
// The MPI tests' one communicator, made by their main (mpi_main.cpp) before any test runs.
#include "irrev/dist/communicator.hpp"

namespace irrev::test {
extern dist::Communicator* mpi_comm;
}  // namespace irrev::test
