#pragma once
/// The k assignments of least total cost of an n x n matrix, in increasing cost (Murty's
/// algorithm with Lawler's partition): the candidate block orders that the synthesis search
/// scores, best first. Each solution after the first is the best of a subproblem that fixes
/// some rows to the columns of an earlier solution and forbids one more pair; every
/// subproblem is solved by the engine's one Hungarian routine.
#include <vector>

namespace irrev::match {

struct RankedAssignment {
  std::vector<int> column;  ///< column[r] for each row r
  double cost = 0;          ///< the sum of cost[r][column[r]]
};

/// Up to `k` assignments (fewer when n! < k), least cost first; ties in cost are ordered by
/// their columns (lexicographically), so the list does not depend on the order of the search.
std::vector<RankedAssignment> k_best_assignments(const std::vector<double>& cost, int n, int k);

}  // namespace irrev::match
