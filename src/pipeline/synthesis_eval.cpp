// irrev unshuffle --method synthesis: the search over the ranks and its figures.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <numeric>
#include <optional>

#include "attack_inputs.hpp"
#include "irrev/attack/attack_pipeline.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/dist/serialize.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/models/inverter.hpp"
#include "irrev/pipeline/thresholds.hpp"
#include "irrev/protect/pe_miu.hpp"
#include "irrev/protect/permutation.hpp"
#include "resumable_search.hpp"
#include "unshuffle_sets.hpp"

namespace irrev::pipeline::detail {
namespace fs = std::filesystem;
namespace {

/// Mixed into the seed of the validation templates' draws, apart from the evaluation's.
constexpr std::uint64_t kValidationDraws = 0x56414c4944ull;  // "VALID"

/// The weights the combining rule is fitted over, from synthesis alone (0) to the position
/// model alone (the last: any realistic cosine difference is outweighed).
constexpr double kWeights[] = {0, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 1e9};

/// The networks of one rank, loaded at its first unit (rank 0 of several computes none).
struct SearchNetworks {
  std::unique_ptr<models::Inverter> inverter;
  std::unique_ptr<models::Extractor> extractor;
  attack::AttackInputs inputs;
  std::unique_ptr<attack::AttackPipeline> pipeline;

  SearchNetworks(const UnshuffleEvalOptions& o, const data::TemplateSet& set) {
    inverter = o.untrained_inverter ? models::Inverter::load_untrained(o.inverter, o.device, o.seed)
                                    : models::Inverter::load(o.inverter, o.device);
    extractor = models::Extractor::load(o.extractor, o.device);
    // The pipeline's own templates serve batch scoring, which the search does not use: one row.
    inputs.dim = set.dim;
    inputs.templates.assign(set.row(0), set.row(0) + set.dim);
    inputs.second.assign(static_cast<std::size_t>(set.dim), 0.f);
    inputs.has_second.assign(1, 0);
    attack::PipelineOptions po;
    po.batch = o.batch;
    po.precision = o.precision;
    pipeline = std::make_unique<attack::AttackPipeline>(*inverter, *extractor, inputs, po);
  }
};

/// Cosine of each re-embedding (rows of `emb`, L2-normalised) with the template `reference`
/// (L2-normalised, as templates.h5 holds them).
std::vector<double> reference_cosines(const std::vector<float>& emb, const float* reference, int dim) {
  std::vector<double> out(emb.size() / static_cast<std::size_t>(dim));
  for (std::size_t c = 0; c < out.size(); ++c)
    for (int d = 0; d < dim; ++d) out[c] += static_cast<double>(emb[c * dim + d]) * reference[d];
  return out;
}

/// Whether a candidate is the true order (p: the permutation the template was protected by).
bool is_true(const attack::SynthesisCandidate& c, const protect::Permutation& p) { return c.order == p; }

int right_positions(const protect::Permutation& q, const protect::Permutation& p) {
  int right = 0;
  for (std::size_t i = 0; i < p.size(); ++i) right += q[i] == p[i];
  return right;
}

/// The weight whose choices recover most validation templates exactly (then most positions;
/// then the larger weight: the position model's order is kept unless the validation templates
/// show that synthesis does better, which a weak inverter does not).
double fit_weight(const UnshuffleEvalOptions& o, int blocks, int dim, const std::vector<SearchedTemplate>& validation,
                  nlohmann::ordered_json& grid) {
  double best_w = 0;
  std::int64_t best_exact = -1, best_right = -1;
  for (auto it = std::rbegin(kWeights); it != std::rend(kWeights); ++it) {
    const double w = *it;
    std::int64_t exact = 0, right = 0;
    for (std::size_t v = 0; v < validation.size(); ++v) {
      const auto& c = validation[v].candidates;
      const auto p = search_draw(blocks, o.seed, true, static_cast<std::int64_t>(v));
      const auto& chosen = c[attack::synthesis_choice(c, w, dim, c.size())];
      exact += is_true(chosen, p);
      right += right_positions(chosen.order, p);
    }
    const auto v = static_cast<double>(std::max<std::size_t>(validation.size(), 1));
    grid.push_back({{"weight", w},
                    {"exact_rate", static_cast<double>(exact) / v},
                    {"position_accuracy", static_cast<double>(right) / (v * blocks)}});
    if (exact > best_exact || (exact == best_exact && right > best_right)) {
      best_w = w;
      best_exact = exact;
      best_right = right;
    }
  }
  return best_w;
}

}  // namespace

protect::Permutation search_draw(int blocks, std::uint64_t seed, bool validation, std::int64_t index) {
  return attack::first_uniform_draw(blocks, validation ? seed ^ kValidationDraws : seed, index);
}

namespace {

/// One work unit of the search: `items` consecutive templates of one block count, searched
/// together (their candidates share forward batches: --search-group), or, where every order is
/// scored (K >= n!) in more than one chunk, one chunk of one template's orders (most likely
/// first), so that one template's n! spread over the ranks. A unit's result depends on its
/// number only.
struct SearchUnit {
  std::size_t count;   ///< index of the block count
  std::int64_t item;   ///< the first template: validation templates first, then evaluation ones
  std::int64_t items;  ///< templates in the unit
  std::int64_t chunk;  ///< which of the template's `chunks`
  std::int64_t chunks;
};

/// At most how many orders unit `x` scores through the networks: its chunk's, or for each of its
/// templates the model's candidates and every climb's rounds of pairwise exchanges.
double unit_orders(const UnshuffleEvalOptions& o, const SearchUnit& x) {
  if (x.chunks > 1) return static_cast<double>(o.chunk);
  const double n = o.blocks[x.count];
  return static_cast<double>(x.items) *
         (o.candidates + static_cast<double>(o.climb_starts) * o.exchange_rounds * n * (n - 1) / 2);
}

std::vector<SearchUnit> search_units(const UnshuffleEvalOptions& o, std::int64_t per_count) {
  std::vector<SearchUnit> units;
  for (std::size_t c = 0; c < o.blocks.size(); ++c) {
    const auto all = protect::factorial(o.blocks[c]);
    const std::int64_t chunks =
        all <= static_cast<protect::u128>(o.candidates) ? (static_cast<std::int64_t>(all) + o.chunk - 1) / o.chunk : 1;
    if (chunks > 1) {
      for (std::int64_t i = 0; i < per_count; ++i)
        for (std::int64_t k = 0; k < chunks; ++k) units.push_back({c, i, 1, k, chunks});
      continue;
    }
    for (std::int64_t i = 0; i < per_count; i += o.search_group)
      units.push_back({c, i, std::min<std::int64_t>(o.search_group, per_count - i), 0, 1});
  }
  return units;
}

/// The chunks of one template put back together in order: their candidates (a slice each of
/// the most likely first list) and their cosines, then the first chunk's two reference entries.
SearchedTemplate assemble(const std::map<std::int64_t, SearchedTemplate>& parts) {
  SearchedTemplate whole;
  const auto& first = parts.begin()->second;
  whole.true_log_likelihood = first.true_log_likelihood;
  const auto refs = first.candidates.size();
  for (const auto& [chunk, part] : parts) {
    const auto n = part.candidates.size();
    whole.candidates.insert(whole.candidates.end(), part.candidates.begin(), part.candidates.end());
    whole.type1.insert(whole.type1.end(), part.type1.begin(), part.type1.begin() + static_cast<std::ptrdiff_t>(n));
    if (!part.type2.empty())
      whole.type2.insert(whole.type2.end(), part.type2.begin(), part.type2.begin() + static_cast<std::ptrdiff_t>(n));
    whole.seconds += part.seconds;
  }
  whole.type1.insert(whole.type1.end(), first.type1.begin() + static_cast<std::ptrdiff_t>(refs), first.type1.end());
  if (!first.type2.empty())
    whole.type2.insert(whole.type2.end(), first.type2.begin() + static_cast<std::ptrdiff_t>(refs), first.type2.end());
  return whole;
}

}  // namespace

/// One unit's searches: each template protected by its first draw, its candidates scored
/// (with every other template of the unit: shared batches), then its two reference attacks.
std::vector<SearchedTemplate> search_unit(const UnshuffleEvalOptions& o, const UnshuffleSets& sets, const SearchUnit& x,
                                          const attack::BlockPositionModel& model,
                                          const attack::JointTemplateModel* joint,
                                          const attack::AttackPipeline& pipeline) {
  const int dim = sets.set.dim, blocks = model.blocks();
  const auto n = static_cast<std::size_t>(x.items);
  const auto n_val = static_cast<std::int64_t>(sets.validation.size());
  std::vector<std::int64_t> rows(n), index(n);
  std::vector<std::vector<float>> prot(n, std::vector<float>(static_cast<std::size_t>(dim)));
  std::vector<protect::Permutation> truth(n);
  std::vector<attack::OrderProposals> proposals;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    const auto item = x.item + static_cast<std::int64_t>(i);
    const bool validation = item < n_val;
    index[i] = validation ? item : item - n_val;
    rows[i] = validation ? sets.validation[static_cast<std::size_t>(index[i])]
                         : sets.eval[static_cast<std::size_t>(index[i])];
    truth[i] = search_draw(blocks, o.seed, validation, index[i]);
    protect::apply_blocks(sets.set.row(rows[i]), dim, dim / blocks, truth[i], prot[i].data());
    proposals.push_back(joint ? attack::OrderProposals(*joint, prot[i].data(), blocks, o.joint_beam)
                              : attack::OrderProposals(model, prot[i].data()));
  }
  std::vector<SearchedTemplate> out(n);
  std::vector<std::vector<float>> emb(n);
  if (x.chunks > 1) {
    // Every order, most likely first: this unit scores its slice (the list's first `to` are
    // the same however many are asked for, so no unit lists more than it needs).
    const auto last = std::min<std::int64_t>(o.candidates, (x.chunk + 1) * o.chunk);
    const auto all = proposals.front().most_likely(static_cast<int>(last));
    const auto from = std::min<std::size_t>(all.size(), static_cast<std::size_t>(x.chunk * o.chunk));
    out.front().candidates =
        attack::score_orders(proposals.front(), pipeline, prot.front().data(),
                             {all.begin() + static_cast<std::ptrdiff_t>(from), all.end()}, &emb.front());
  } else {
    std::vector<const attack::OrderProposals*> models;
    std::vector<const float*> prots;
    for (std::size_t i = 0; i < n; ++i) {
      models.push_back(&proposals[i]);
      prots.push_back(prot[i].data());
    }
    // Where K >= n! every order is scored: no climb.
    const bool every = protect::factorial(blocks) <= static_cast<protect::u128>(o.candidates);
    auto found = attack::synthesis_candidates(models, pipeline, prots,
                                              {o.candidates, every ? 0 : o.exchange_rounds, o.climb_starts}, &emb);
    for (std::size_t i = 0; i < n; ++i) out[i].candidates = std::move(found[i]);
  }
  if (x.chunk == 0) {
    // The two reference attacks of each template: the protected template as it is, and the
    // template itself.
    std::vector<float> both;
    for (std::size_t i = 0; i < n; ++i) {
      both.insert(both.end(), prot[i].begin(), prot[i].end());
      both.insert(both.end(), sets.set.row(rows[i]), sets.set.row(rows[i]) + dim);
    }
    const auto reference = pipeline.reembed(both.data(), static_cast<std::int64_t>(2 * n));
    for (std::size_t i = 0; i < n; ++i) {
      const auto at = reference.begin() + static_cast<std::ptrdiff_t>(2 * i * static_cast<std::size_t>(dim));
      emb[i].insert(emb[i].end(), at, at + 2 * dim);
      out[i].true_log_likelihood = proposals[i].log_likelihood(truth[i]);
    }
  }
  // The unit's time, shared by its templates.
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (std::size_t i = 0; i < n; ++i) {
    out[i].seconds = seconds / static_cast<double>(n);
    const bool validation = x.item + static_cast<std::int64_t>(i) < n_val;
    const auto second = validation ? -1 : sets.second[static_cast<std::size_t>(index[i])];
    out[i].type1 = reference_cosines(emb[i], sets.set.row(rows[i]), dim);
    if (second >= 0) out[i].type2 = reference_cosines(emb[i], sets.set.row(second), dim);
  }
  return out;
}

bool run_synthesis_search(const UnshuffleEvalOptions& o, const UnshuffleSets& sets,
                          const std::vector<attack::BlockPositionModel>& models,
                          const attack::JointTemplateModel* joint, const std::string& key,
                          const dist::Communicator& comm, std::vector<SearchResults>& out) {
  const auto n_val = static_cast<std::int64_t>(sets.validation.size());
  const auto per_count = n_val + static_cast<std::int64_t>(sets.eval.size());
  const auto units = search_units(o, per_count);
  std::optional<SearchNetworks> nets;
  out.assign(models.size(), {});
  for (auto& r : out) {
    r.validation.resize(static_cast<std::size_t>(n_val));
    r.eval.resize(sets.eval.size());
  }
  std::int64_t done = 0;
  // Each template's chunks so far, by chunk: they arrive in any order.
  std::map<std::pair<std::size_t, std::int64_t>, std::map<std::int64_t, SearchedTemplate>> staged;
  auto sink = [&](std::int64_t u, std::vector<SearchedTemplate>&& searched) {
    const auto& x = units[static_cast<std::size_t>(u)];
    for (std::int64_t i = 0; i < x.items; ++i) {
      const auto item = x.item + i;
      auto& parts = staged[{x.count, item}];
      parts.emplace(x.chunk, std::move(searched[static_cast<std::size_t>(i)]));
      if (static_cast<std::int64_t>(parts.size()) < x.chunks) continue;
      auto& r = out[x.count];
      (item < n_val ? r.validation[static_cast<std::size_t>(item)] : r.eval[static_cast<std::size_t>(item - n_val)]) =
          assemble(parts);
      staged.erase({x.count, item});
      if (++done % 64 == 0 || done == per_count * static_cast<std::int64_t>(models.size()))
        spdlog::info("unshuffle: synthesis search {}/{} templates", done, per_count * models.size());
    }
  };
  SearchQueue q;
  q.kind = SearchKind::synthesis;
  q.path = o.checkpoint_path();
  q.key = key;
  q.units = static_cast<std::int64_t>(units.size());
  q.checkpoint_seconds = o.checkpoint_seconds;
  q.compute = [&](std::int64_t u) {
    if (!nets) nets.emplace(o, sets.set);
    const auto& x = units[static_cast<std::size_t>(u)];
    return dist::to_bytes(search_unit(o, sets, x, models[x.count], joint, *nets->pipeline));
  };
  q.sink = [&](std::int64_t u, const std::string& bytes) {
    sink(u, dist::from_bytes<std::vector<SearchedTemplate>>(bytes));
  };
  // A chunk of one template's orders and a group of whole searches differ many times in work:
  // each unit's deadline follows the orders it scores (at most), not the mean unit.
  q.unit_cost = [&](std::int64_t first, std::int64_t count) {
    double orders = 0;
    for (std::int64_t u = first; u < first + count; ++u) orders += unit_orders(o, units[static_cast<std::size_t>(u)]);
    return orders;
  };
  return run_resumable_search(comm, q);
}

namespace {

/// The unshuffled attack's success rates with the candidates `chosen[e]`: type I (against the
/// attacked template) and type II (the subject's other template, where there is one), at both
/// FMR thresholds. A recovery does not depend on the permutation, so over uniform PE-MIU
/// permutations these are also the attack's expected rates.
nlohmann::ordered_json attack_rates(const std::vector<SearchedTemplate>& eval, const std::vector<std::size_t>& chosen,
                                    const Thresholds& t) {
  std::int64_t tried[2] = {0, 0}, hits[2][2] = {{0, 0}, {0, 0}};
  for (std::size_t e = 0; e < eval.size(); ++e)
    for (int type = 0; type < 2; ++type) {
      const auto& cos = type == 0 ? eval[e].type1 : eval[e].type2;
      if (cos.empty()) continue;
      ++tried[type];
      hits[type][0] += cos[chosen[e]] >= t.fmr_0_1;
      hits[type][1] += cos[chosen[e]] >= t.fmr_1;
    }
  auto rate = [&](int type, int fmr) { return tried[type] ? static_cast<double>(hits[type][fmr]) / tried[type] : 0.0; };
  return {{"type_I_templates", tried[0]},   {"type_II_templates", tried[1]},     {"rsr_type_I_fmr_0.1", rate(0, 0)},
          {"rsr_type_I_fmr_1", rate(0, 1)}, {"rsr_type_II_fmr_0.1", rate(1, 0)}, {"rsr_type_II_fmr_1", rate(1, 1)}};
}

/// Where the rule missed the true order, whether the search is to blame (the true order, which
/// it never scored, would have won: the unprotected template's re-embedding is the true
/// order's) or the score (a wrong order scores at least as high as the true one).
nlohmann::ordered_json misses(const std::vector<SearchedTemplate>& eval, const std::vector<std::size_t>& picks,
                              double weight, int dim, const std::vector<protect::Permutation>& truth) {
  std::int64_t search = 0, score = 0;
  for (std::size_t e = 0; e < eval.size(); ++e) {
    const auto& t = eval[e];
    const auto& chosen = t.candidates[picks[e]];
    if (chosen.order == truth[e]) continue;
    const double base = t.candidates.front().log_likelihood;
    const double true_score = attack::synthesis_score(t.type1[t.candidates.size() + kUnprotectedEntry],
                                                      t.true_log_likelihood, base, weight, dim);
    (true_score > attack::synthesis_score(chosen.self_cosine, chosen.log_likelihood, base, weight, dim) ? search
                                                                                                        : score) += 1;
  }
  return {{"search_misses", search}, {"score_misses", score}};
}

/// The candidates the model proposed (the climb's come after them): min(K, n!).
std::size_t model_candidates(const UnshuffleEvalOptions& o, int blocks) {
  const auto all = protect::factorial(blocks);
  return all < static_cast<protect::u128>(o.candidates) ? static_cast<std::size_t>(all)
                                                        : static_cast<std::size_t>(o.candidates);
}

}  // namespace

nlohmann::ordered_json synthesis_figures(
    const UnshuffleEvalOptions& o, const UnshuffleSets& sets, int blocks, const SearchResults& searched,
    std::vector<std::pair<std::string, std::vector<attack::Placement>>>& placements) {
  const int dim = sets.set.dim;
  nlohmann::ordered_json grid = nlohmann::json::array();
  const double weight = fit_weight(o, blocks, dim, searched.validation, grid);
  const auto& eval = searched.eval;
  const auto n_eval = static_cast<std::int64_t>(eval.size());
  // The candidate the rule with `w` picks among the first `first` of each evaluation template.
  auto chosen = [&](double w, std::size_t first) {
    std::vector<std::size_t> out;
    for (const auto& t : eval) out.push_back(attack::synthesis_choice(t.candidates, w, dim, first));
    return out;
  };
  // The permutation each evaluation template was protected by: its true order.
  std::vector<protect::Permutation> truth;
  for (std::int64_t e = 0; e < n_eval; ++e) truth.push_back(search_draw(blocks, o.seed, false, e));
  auto placed = [&](const std::vector<std::size_t>& picks) {
    std::vector<attack::Placement> out;
    for (std::size_t e = 0; e < eval.size(); ++e)
      out.push_back(attack::placement_of(eval[e].candidates[picks[e]].order, truth[e]));
    return out;
  };
  const std::size_t k = model_candidates(o, blocks), all = static_cast<std::size_t>(-1);
  const std::vector<std::pair<std::string, std::vector<std::size_t>>> methods{
      {"synthesis", chosen(weight, all)}, {"synthesis_only", chosen(0, all)}, {"model_alone", chosen(0, 1)}};
  std::int64_t among = 0, scored = 0;
  double seconds = 0;
  for (std::int64_t e = 0; e < n_eval; ++e) {
    for (const auto& c : eval[static_cast<std::size_t>(e)].candidates)
      among += is_true(c, truth[static_cast<std::size_t>(e)]);
    scored += static_cast<std::int64_t>(eval[static_cast<std::size_t>(e)].candidates.size());
    seconds += eval[static_cast<std::size_t>(e)].seconds;
  }
  nlohmann::ordered_json by_k = nlohmann::json::array();
  for (std::size_t first = 1;; first = std::min(first * 2, k)) {
    std::int64_t exact = 0;
    for (const auto& pl : placed(chosen(weight, first))) exact += pl == protect::identity(blocks);
    by_k.push_back({{"candidates", first}, {"exact_rate", static_cast<double>(exact) / n_eval}});
    if (first == k) break;
  }
  const auto denominator = static_cast<double>(std::max<std::int64_t>(n_eval, 1));
  nlohmann::ordered_json r{{"blocks", blocks},
                           {"proposals", name_of(o.proposals)},
                           {"model_candidates", k},
                           {"exchange_rounds", o.exchange_rounds},
                           {"climb_starts", o.climb_starts},
                           {"candidates_scored_per_template", static_cast<double>(scored) / denominator},
                           {"seconds_per_template", seconds / denominator},
                           {"validation_templates", searched.validation.size()},
                           {"weight", weight},
                           {"weight_fit", grid},
                           {"true_order_scored", static_cast<double>(among) / denominator},
                           {"exact_by_model_candidates", by_k}};
  const auto thresholds = o.thresholds.empty() ? std::optional<Thresholds>{} : read_thresholds(o.thresholds);
  placements.clear();
  for (const auto& [name, picks] : methods) {
    placements.emplace_back(name, placed(picks));
    r[name] =
        attack::evaluate_placements(placements.back().second, blocks, o.uniform, o.per_complexity, o.seed).to_json();
    if (thresholds) r[name]["unshuffled_attack"] = attack_rates(eval, picks, *thresholds);
  }
  r["synthesis"]["misses"] = misses(eval, methods.front().second, weight, dim, truth);
  if (thresholds) {
    // The same templates' plain attack (under one uniform draw each: the expected RSR under
    // uniform PE-MIU, estimated) and the unprotected one.
    for (const auto& [name, entry] :
         {std::pair{"plain_attack", kPlainEntry}, {"unprotected_attack", kUnprotectedEntry}}) {
      std::vector<std::size_t> picks;
      for (const auto& t : eval) picks.push_back(t.candidates.size() + entry);
      r[name] = attack_rates(eval, picks, *thresholds);
    }
  }
  return r;
}

}  // namespace irrev::pipeline::detail
