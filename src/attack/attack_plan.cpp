#include "irrev/attack/attack_plan.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "irrev/core/error.hpp"
#include "irrev/protect/keyed_stream.hpp"
#include "irrev/protect/samplers.hpp"

namespace irrev::attack {
namespace {
// Stream tags: plans draw from streams no protect or verify draw uses.
constexpr std::uint64_t kStratifiedTag = 0x5A7A000000ull;
constexpr std::uint64_t kUniformTag = 0x0F1F000000ull;
constexpr int kMaxExhaustive = 10;  // 10! = 3.6 M entries; 11! would be 40 M
}  // namespace

std::string PlanSpec::name() const { return fmt::format("b{}-{}", blocks, name_of(kind)); }

void PlanSpec::validate(int dim, const std::string& where) const {
  IRREV_CHECK(blocks >= 2 && blocks <= protect::kMaxBlocks, "{}: blocks = {} is outside 2..{}", where, blocks,
              protect::kMaxBlocks);
  if (dim > 0) IRREV_CHECK(dim % blocks == 0, "{}: {} blocks do not divide a {}-D template", where, blocks, dim);
  IRREV_CHECK(kind != PlanKind::exhaustive || blocks <= kMaxExhaustive,
              "{}: an exhaustive plan of {} blocks has {}! permutations; use stratified or uniform above {} blocks",
              where, blocks, blocks, kMaxExhaustive);
  IRREV_CHECK(per_complexity >= 1, "{}: per_complexity must be >= 1", where);
  IRREV_CHECK(samples >= 1, "{}: samples must be >= 1", where);
}

void to_json(nlohmann::json& j, const PlanSpec& spec) {
  j = {{"blocks", spec.blocks}, {"kind", name_of(spec.kind)}, {"seed", spec.seed}};
  if (spec.kind == PlanKind::stratified) j["per_complexity"] = spec.per_complexity;
  if (spec.kind == PlanKind::uniform) j["samples"] = spec.samples;
}

void from_json(const nlohmann::json& j, PlanSpec& spec) {
  spec = PlanSpec{};
  spec.blocks = j.at("blocks").get<int>();
  spec.kind = enum_from_name<PlanKind>(j.at("kind").get<std::string>(), "plan");
  spec.seed = j.at("seed").get<std::uint64_t>();
  if (j.contains("per_complexity")) spec.per_complexity = j["per_complexity"].get<int>();
  if (j.contains("samples")) spec.samples = j["samples"].get<std::int64_t>();
}

Plan make_plan(const PlanSpec& spec) {
  spec.validate(0, "plan " + spec.name());
  Plan plan;
  plan.spec = spec;
  const int n = spec.blocks;
  auto add = [&](protect::Permutation p) {
    plan.complexity.push_back(protect::complexity(p));
    plan.permutations.push_back(std::move(p));
  };
  if (spec.kind == PlanKind::exhaustive) {
    const auto total = static_cast<std::uint64_t>(protect::factorial(n));
    for (auto& p : protect::permutations_in_rank_range(n, 0, total)) add(std::move(p));
  } else if (spec.kind == PlanKind::fixed_seed) {
    for (auto& p : protect::fixed_seed_permutations(n, spec.seed)) add(std::move(p));
  } else if (spec.kind == PlanKind::stratified) {
    for (int k : protect::complexities(n)) {
      // Distinct draws: a complexity with fewer permutations than asked is taken whole.
      const protect::u128 exist = protect::count_with_complexity(n, k);
      const auto want = static_cast<std::size_t>(
          exist < static_cast<protect::u128>(spec.per_complexity) ? exist : spec.per_complexity);
      protect::KeyedStream stream(spec.seed, kStratifiedTag + static_cast<std::uint64_t>(n),
                                  static_cast<std::uint64_t>(k));
      std::set<protect::Permutation> seen;
      while (seen.size() < want) {
        auto p = protect::sample_with_complexity(n, k, stream);
        if (seen.insert(p).second) add(std::move(p));
      }
    }
  } else {  // uniform
    protect::KeyedStream stream(spec.seed, kUniformTag + static_cast<std::uint64_t>(n), 0);
    for (std::int64_t s = 0; s < spec.samples; ++s) add(protect::sample_uniform(n, stream));
  }
  return plan;
}

double uniform_weight(int n, int k) {
  return static_cast<double>(protect::count_with_complexity(n, k)) / static_cast<double>(protect::factorial(n));
}

}  // namespace irrev::attack
