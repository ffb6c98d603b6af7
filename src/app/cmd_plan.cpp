// irrev plan: the permutation space of n blocks, counted exactly by complexity
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "irrev/core/error.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/protect/permutation.hpp"
#include "irrev/protect/samplers.hpp"
#include "number_options.hpp"

namespace irrev::app {

Command add_plan(CLI::App& app, const GlobalOptions& /*g*/) {
  auto* sub = app.add_subcommand("plan", "Count the block permutations by complexity (exact)");
  auto blocks = std::make_shared<int>(8);
  auto json = std::make_shared<bool>(false);
  add_value(sub, "--blocks", *blocks, "Number of blocks n (1..32)")
      ->check(in_range(1, protect::kMaxBlocks))
      ->required();
  sub->add_flag("--json", *json, "Print JSON (counts as decimal strings: exact beyond 2^53)");
  return {sub, [blocks, json](const dist::Communicator& comm) {
            const int n = *blocks;
            nlohmann::ordered_json by = nlohmann::ordered_json::object();
            protect::u128 sum = 0;
            for (int k : protect::complexities(n)) {
              auto c = protect::count_with_complexity(n, k);
              by[std::to_string(k)] = protect::to_decimal(c);
              sum += c;
            }
            IRREV_ASSERT(sum == protect::factorial(n), "counts by complexity do not sum to n!");
            if (*json) {
              print_master(comm, nlohmann::ordered_json{{"blocks", n},
                                                        {"total", protect::to_decimal(protect::factorial(n))},
                                                        {"by_complexity", by}}
                                     .dump());
              return 0;
            }
            print_master(comm, fmt::format("{} blocks: {}! = {} permutations", n, n,
                                           protect::to_decimal(protect::factorial(n))));
            print_master(comm, fmt::format("{:>10}  {:>40}  {:>12}", "complexity", "permutations", "share"));
            for (int k : protect::complexities(n)) {
              auto c = protect::count_with_complexity(n, k);
              double share = static_cast<double>(c) / static_cast<double>(protect::factorial(n));
              print_master(comm, fmt::format("{:>10}  {:>40}  {:>12.6g}", k, protect::to_decimal(c), share));
            }
            return 0;
          }};
}

}  // namespace irrev::app
