#pragma once
/// The assignment of rows to columns of an n x n cost matrix with the least total cost: the one
/// Hungarian routine of the engine (the same that PE-MIU compare runs on the CPU and in its
/// CUDA kernel), for the host callers that need it on its own (block-order recovery).
#include <vector>

namespace irrev::match {

/// column[r] for each row r of the row-major n x n `cost` (1 <= n <= 32). O(n^3); exact.
std::vector<int> min_cost_assignment(const std::vector<double>& cost, int n);

}  // namespace irrev::match
