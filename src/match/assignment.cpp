#include "irrev/match/assignment.hpp"

#include "detail/pe_miu_kernel.hpp"
#include "irrev/core/error.hpp"

namespace irrev::match {

std::vector<int> min_cost_assignment(const std::vector<double>& cost, int n) {
  IRREV_CHECK(n >= 1 && n <= detail::kMaxN && cost.size() == static_cast<std::size_t>(n) * static_cast<std::size_t>(n),
              "assignment: a {}x{} matrix (n in 1..{}) needs {} costs, got {}", n, n, detail::kMaxN, n * n,
              cost.size());
  std::vector<int> column(static_cast<std::size_t>(n));
  detail::hungarian(cost.data(), n, column.data());
  return column;
}

}  // namespace irrev::match
