#include "irrev/match/k_best_assignment.hpp"

#include <algorithm>
#include <cmath>
#include <queue>
#include <utility>

#include "irrev/core/error.hpp"
#include "irrev/match/assignment.hpp"

namespace irrev::match {
namespace {

/// A subproblem: rows fixed to columns, pairs forbidden, and its best assignment.
struct Node {
  std::vector<int> fixed;       ///< column per row, -1 where free
  std::vector<char> forbidden;  ///< n x n
  RankedAssignment best;
};

struct WorseFirst {
  bool operator()(const Node& a, const Node& b) const {
    if (a.best.cost != b.best.cost) return a.best.cost > b.best.cost;
    return a.best.column > b.best.column;
  }
};

/// The best assignment of `node`'s subproblem, or false when it has none. Excluded pairs cost
/// `barrier`, more than any assignment of allowed pairs can, so the Hungarian avoids them
/// whenever it can; one it still uses means the subproblem is infeasible.
bool solve(const std::vector<double>& cost, int n, double barrier, Node& node) {
  std::vector<double> c(cost);
  auto excluded = [&](int r, int col) {
    const auto at = static_cast<std::size_t>(r * n + col);
    if (node.forbidden[at]) return true;
    if (node.fixed[static_cast<std::size_t>(r)] >= 0 && node.fixed[static_cast<std::size_t>(r)] != col) return true;
    for (int other = 0; other < n; ++other)
      if (other != r && node.fixed[static_cast<std::size_t>(other)] == col) return true;
    return false;
  };
  for (int r = 0; r < n; ++r)
    for (int col = 0; col < n; ++col)
      if (excluded(r, col)) c[static_cast<std::size_t>(r * n + col)] = barrier;
  node.best.column = min_cost_assignment(c, n);
  node.best.cost = 0;
  for (int r = 0; r < n; ++r) {
    const int col = node.best.column[static_cast<std::size_t>(r)];
    if (excluded(r, col)) return false;
    node.best.cost += cost[static_cast<std::size_t>(r * n + col)];
  }
  return true;
}

}  // namespace

std::vector<RankedAssignment> k_best_assignments(const std::vector<double>& cost, int n, int k) {
  IRREV_CHECK(k >= 1, "k best assignments: k must be positive, got {}", k);
  IRREV_CHECK(n >= 1 && cost.size() == static_cast<std::size_t>(n) * static_cast<std::size_t>(n),
              "k best assignments: a {}x{} matrix needs {} costs, got {}", n, n, n * n, cost.size());
  double lo = cost.front(), hi = cost.front();
  for (double v : cost) {
    IRREV_CHECK(std::isfinite(v), "k best assignments: the cost matrix holds a non-finite value");
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  // Any assignment of allowed pairs costs at most n * hi; one excluded pair adds more than the
  // whole range of those.
  const double barrier = hi + static_cast<double>(n) * (hi - lo) + 1.0;
  std::priority_queue<Node, std::vector<Node>, WorseFirst> queue;
  Node root{std::vector<int>(static_cast<std::size_t>(n), -1),
            std::vector<char>(static_cast<std::size_t>(n) * static_cast<std::size_t>(n), 0),
            {}};
  if (solve(cost, n, barrier, root)) queue.push(std::move(root));
  std::vector<RankedAssignment> out;
  while (!queue.empty() && static_cast<int>(out.size()) < k) {
    Node node = queue.top();
    queue.pop();
    // Lawler's partition of what is left of this subproblem: child r keeps rows before r
    // (free ones) fixed to this solution's columns and forbids row r's column.
    Node child = node;
    for (int r = 0; r < n; ++r) {
      if (node.fixed[static_cast<std::size_t>(r)] >= 0) continue;
      const int col = node.best.column[static_cast<std::size_t>(r)];
      Node next{child.fixed, child.forbidden, {}};
      next.forbidden[static_cast<std::size_t>(r * n + col)] = 1;
      if (solve(cost, n, barrier, next)) queue.push(std::move(next));
      child.fixed[static_cast<std::size_t>(r)] = col;
    }
    out.push_back(std::move(node.best));
  }
  return out;
}

}  // namespace irrev::match
