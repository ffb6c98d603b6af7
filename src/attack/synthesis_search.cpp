#include "irrev/attack/synthesis_search.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "irrev/attack/attack_pipeline.hpp"
#include "irrev/core/error.hpp"
#include "irrev/match/k_best_assignment.hpp"
#include "irrev/protect/pe_miu.hpp"

namespace irrev::attack {
namespace {

/// Scores orders of several protected templates: the rows of all of them go through the
/// pipeline as one stream of forward batches (full batches however few orders each template
/// has), each scored order appended to its template's candidates.
class CandidateScorer {
 public:
  CandidateScorer(const std::vector<const OrderProposals*>& models, const AttackPipeline& pipeline,
                  const std::vector<const float*>& protected_templates,
                  std::vector<std::vector<SynthesisCandidate>>& out, std::vector<std::vector<float>>* embeddings)
      : m_pipeline(pipeline),
        m_prot(protected_templates),
        m_models(models),
        m_out(out),
        m_embeddings(embeddings),
        m_index(models.size()) {}

  /// Appends each template's orders (orders[t]) not scored before; returns how many were new.
  std::size_t score(const std::vector<std::vector<protect::Permutation>>& orders) {
    const int dim = m_models.front()->dim();
    std::vector<float> rows;
    std::vector<std::pair<std::size_t, std::size_t>> where;  // (template, candidate) of each row
    for (std::size_t t = 0; t < orders.size(); ++t) {
      const auto& model = *m_models[t];
      const int b = dim / model.blocks();
      for (const auto& q : orders[t]) {
        if (!m_index[t].emplace(q, m_out[t].size()).second) continue;
        SynthesisCandidate cand;
        cand.order = q;
        cand.log_likelihood = model.log_likelihood(q);
        rows.resize(rows.size() + static_cast<std::size_t>(dim));
        // Position q[i] of the candidate template takes the block at position i (apply q^-1).
        protect::apply_blocks(m_prot[t], dim, b, protect::inverse(q), rows.data() + rows.size() - dim);
        where.emplace_back(t, m_out[t].size());
        m_out[t].push_back(std::move(cand));
      }
    }
    if (where.empty()) return 0;
    const auto emb = m_pipeline.reembed(rows.data(), static_cast<std::int64_t>(where.size()));
    for (std::size_t r = 0; r < where.size(); ++r) {
      const float* z = rows.data() + r * dim;
      const float* e = emb.data() + r * dim;
      double dot = 0, norm = 0;
      for (int d = 0; d < dim; ++d) {
        dot += static_cast<double>(z[d]) * e[d];
        norm += static_cast<double>(z[d]) * z[d];
      }
      const auto [t, c] = where[r];
      m_out[t][c].self_cosine = dot / std::max(std::sqrt(norm), 1e-12);
      // A template's rows are contiguous and in order in the stream, as its candidates are.
      if (m_embeddings) (*m_embeddings)[t].insert((*m_embeddings)[t].end(), e, e + dim);
    }
    return where.size();
  }

  /// Where a scored order sits among template t's candidates.
  std::size_t index_of(std::size_t t, const protect::Permutation& q) const { return m_index[t].at(q); }

 private:
  const AttackPipeline& m_pipeline;
  const std::vector<const float*>& m_prot;
  const std::vector<const OrderProposals*>& m_models;
  std::vector<std::vector<SynthesisCandidate>>& m_out;
  std::vector<std::vector<float>>* m_embeddings;
  std::vector<std::map<protect::Permutation, std::size_t>> m_index;
};

/// One template's hill climbs: from each start in turn, up to `rounds` rounds over exchanges of
/// two blocks, by self-cosine. The climbs of several templates advance a round at a time
/// together, so that their exchanges share forward batches; each template's climbs are the
/// ones it would make alone.
struct Climbs {
  std::vector<std::size_t> starts;  ///< candidates to climb from, in turn
  std::size_t next = 0;             ///< the next start
  std::size_t at = 0;               ///< where the current climb stands
  int round = 0;
  bool active = false;

  /// Begins the next climb; false when there is none left.
  bool begin() {
    active = next < starts.size();
    if (active) {
      at = starts[next++];
      round = 0;
    }
    return active;
  }

  /// Every exchange of two blocks' positions of the current order.
  std::vector<protect::Permutation> exchanges(const std::vector<SynthesisCandidate>& out) const {
    std::vector<protect::Permutation> orders;
    const auto& current = out[at].order;
    for (std::size_t i = 0; i < current.size(); ++i)
      for (std::size_t j = i + 1; j < current.size(); ++j) {
        auto q = current;
        std::swap(q[i], q[j]);
        orders.push_back(std::move(q));
      }
    return orders;
  }

  /// After the round's exchanges were scored: moves to the best one that raises the
  /// self-cosine, or, at a local maximum or after the last round, to the next climb.
  void step(const std::vector<protect::Permutation>& orders, const std::vector<SynthesisCandidate>& out,
            const CandidateScorer& scorer, std::size_t t, int rounds) {
    std::size_t best = at;
    for (const auto& q : orders) {
      const auto c = scorer.index_of(t, q);
      if (out[c].self_cosine > out[best].self_cosine) best = c;
    }
    if (best == at || ++round == rounds) {
      begin();
      return;
    }
    at = best;
  }
};

}  // namespace

OrderProposals::OrderProposals(const BlockPositionModel& model, const float* protected_template)
    : m_n(model.blocks()), m_dim(model.dim()), m_scores(model.scores(protected_template)) {}

OrderProposals::OrderProposals(const JointTemplateModel& model, const float* protected_template, int blocks, int beam)
    : m_n(blocks), m_dim(model.dim()), m_joint(model.score(protected_template, blocks, beam)) {}

std::vector<protect::Permutation> OrderProposals::most_likely(int k) const {
  std::vector<protect::Permutation> out;
  if (m_joint) {
    for (auto& s : m_joint->most_likely(k)) out.push_back(std::move(s.order));
    return out;
  }
  auto costs = m_scores;
  for (auto& v : costs) v = -v;  // the assignment minimises
  for (const auto& a : match::k_best_assignments(costs, m_n, k)) out.push_back(order_of_columns(a.column));
  return out;
}

double OrderProposals::log_likelihood(const protect::Permutation& q) const {
  return m_joint ? m_joint->log_likelihood(q) : order_log_likelihood(m_scores, q);
}

std::vector<std::vector<SynthesisCandidate>> synthesis_candidates(const std::vector<const OrderProposals*>& models,
                                                                  const AttackPipeline& pipeline,
                                                                  const std::vector<const float*>& protected_templates,
                                                                  const SynthesisSearch& search,
                                                                  std::vector<std::vector<float>>* embeddings) {
  IRREV_CHECK(search.candidates >= 1 && search.exchange_rounds >= 0 && search.starts >= 1,
              "synthesis search: at least one candidate and one start, and no negative number of rounds");
  IRREV_CHECK(models.size() == protected_templates.size() && !models.empty(),
              "synthesis search: one model's proposals per protected template");
  const auto n = models.size();
  std::vector<std::vector<SynthesisCandidate>> out(n);
  if (embeddings) embeddings->assign(n, {});
  CandidateScorer scorer(models, pipeline, protected_templates, out, embeddings);
  std::vector<std::vector<protect::Permutation>> orders(n);
  for (std::size_t t = 0; t < n; ++t) orders[t] = models[t]->most_likely(search.candidates);
  scorer.score(orders);
  if (search.exchange_rounds == 0) return out;
  // The climbs start from the model's candidates with the highest self-cosines.
  std::vector<Climbs> climbs(n);
  for (std::size_t t = 0; t < n; ++t) {
    auto& starts = climbs[t].starts;
    starts.resize(out[t].size());
    std::iota(starts.begin(), starts.end(), 0);
    std::stable_sort(starts.begin(), starts.end(),
                     [&](std::size_t a, std::size_t b) { return out[t][a].self_cosine > out[t][b].self_cosine; });
    starts.resize(std::min<std::size_t>(starts.size(), static_cast<std::size_t>(search.starts)));
    climbs[t].begin();
  }
  for (;;) {
    bool any = false;
    for (std::size_t t = 0; t < n; ++t) {
      orders[t] = climbs[t].active ? climbs[t].exchanges(out[t]) : std::vector<protect::Permutation>{};
      any = any || climbs[t].active;
    }
    if (!any) return out;
    scorer.score(orders);
    for (std::size_t t = 0; t < n; ++t)
      if (climbs[t].active) climbs[t].step(orders[t], out[t], scorer, t, search.exchange_rounds);
  }
}

std::vector<SynthesisCandidate> synthesis_candidates(const OrderProposals& model, const AttackPipeline& pipeline,
                                                     const float* protected_template, const SynthesisSearch& search,
                                                     std::vector<float>* embeddings) {
  std::vector<std::vector<float>> emb;
  auto out = synthesis_candidates({&model}, pipeline, {protected_template}, search, embeddings ? &emb : nullptr);
  if (embeddings) *embeddings = std::move(emb.front());
  return std::move(out.front());
}

std::vector<SynthesisCandidate> score_orders(const OrderProposals& model, const AttackPipeline& pipeline,
                                             const float* protected_template,
                                             const std::vector<protect::Permutation>& orders,
                                             std::vector<float>* embeddings) {
  std::vector<std::vector<SynthesisCandidate>> out(1);
  std::vector<std::vector<float>> emb(1);
  const std::vector<const OrderProposals*> models{&model};
  const std::vector<const float*> prots{protected_template};
  CandidateScorer scorer(models, pipeline, prots, out, embeddings ? &emb : nullptr);
  scorer.score({orders});
  if (embeddings) *embeddings = std::move(emb.front());
  return std::move(out.front());
}

std::size_t synthesis_choice(const std::vector<SynthesisCandidate>& candidates, double weight, int dim,
                             std::size_t first) {
  IRREV_CHECK(!candidates.empty() && first >= 1, "the synthesis choice needs at least one candidate");
  const double base = candidates.front().log_likelihood;
  std::size_t best = 0;
  double best_score = -INFINITY;
  for (std::size_t c = 0; c < std::min(first, candidates.size()); ++c) {
    const double s = synthesis_score(candidates[c].self_cosine, candidates[c].log_likelihood, base, weight, dim);
    if (s > best_score) {
      best_score = s;
      best = c;
    }
  }
  return best;
}

}  // namespace irrev::attack
