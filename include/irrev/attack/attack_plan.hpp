#pragma once
/// Which block permutations an attack tries: the permutation side of the work (the template
/// side is the template selection). A plan is a numbered list of permutations, grouped by
/// complexity; entry i is the same on every rank, for any rank count or unit size.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "irrev/core/enum_names.hpp"
#include "irrev/protect/permutation.hpp"

namespace irrev::attack {

/// exhaustive: all n! in rank order (n <= 10); stratified: up to `per_complexity` distinct
/// uniform draws per complexity (all of them where fewer exist); fixed-seed: one permutation per
/// complexity, as the reference study; uniform: `samples` draws of PE-MIU's own uniform
/// distribution.
enum class PlanKind { exhaustive, stratified, fixed_seed, uniform };

struct PlanSpec {
  int blocks = 8;  ///< n: the template is cut into n blocks of D / n values
  PlanKind kind = PlanKind::exhaustive;
  int per_complexity = 8;
  std::int64_t samples = 1000;
  std::uint64_t seed = 2021;

  /// "b8-exhaustive", "b8-stratified", ...: names the plan in files and tables.
  std::string name() const;
  /// Throws an InputError naming `where` on a bad value (or a block count D does not admit).
  void validate(int dim, const std::string& where) const;
};

/// A plan's JSON, as keys and checkpoints hold it (the count only where its kind has one).
void to_json(nlohmann::json& j, const PlanSpec& spec);
void from_json(const nlohmann::json& j, PlanSpec& spec);

struct Plan {
  PlanSpec spec;
  std::vector<protect::Permutation> permutations;
  std::vector<int> complexity;  ///< of entry i

  std::int64_t size() const { return static_cast<std::int64_t>(permutations.size()); }
};

/// Build the plan's entries (deterministic in the spec).
Plan make_plan(const PlanSpec& spec);

/// Share of all n! permutations with complexity k: N(n, k) / n!, the weight of RSR_k in the
/// expected RSR under real (uniform) PE-MIU.
double uniform_weight(int n, int k);

}  // namespace irrev::attack

template <>
struct irrev::EnumNames<irrev::attack::PlanKind> {
  static constexpr std::string_view what = "plan kind";
  static constexpr std::array<std::string_view, 4> names{"exhaustive", "stratified", "fixed-seed", "uniform"};
};
