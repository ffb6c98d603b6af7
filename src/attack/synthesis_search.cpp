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

/// Scores orders of one protected template and appends them to the candidates.
class CandidateScorer {
 public:
  CandidateScorer(const OrderProposals& model, const AttackPipeline& pipeline, const float* protected_template,
                  std::vector<SynthesisCandidate>& out, std::vector<float>* embeddings)
      : m_pipeline(pipeline),
        m_prot(protected_template),
        m_n(model.blocks()),
        m_dim(model.dim()),
        m_model(model),
        m_out(out),
        m_embeddings(embeddings) {}

  /// Appends every order not scored before; returns how many were new.
  std::size_t score(const std::vector<protect::Permutation>& orders) {
    std::vector<protect::Permutation> fresh;
    for (const auto& q : orders)
      if (m_index.emplace(q, m_out.size() + fresh.size()).second) fresh.push_back(q);
    const int b = m_dim / m_n;
    std::vector<float> rows(fresh.size() * static_cast<std::size_t>(m_dim));
    for (std::size_t c = 0; c < fresh.size(); ++c) {
      SynthesisCandidate cand;
      cand.order = fresh[c];
      cand.log_likelihood = m_model.log_likelihood(fresh[c]);
      // Position q[i] of the candidate template takes the block at position i (apply q^-1).
      protect::apply_blocks(m_prot, m_dim, b, protect::inverse(fresh[c]), rows.data() + c * m_dim);
      m_out.push_back(std::move(cand));
    }
    const std::size_t first = m_out.size() - fresh.size();
    const auto batch = static_cast<std::size_t>(m_pipeline.options().batch);
    for (std::size_t c0 = 0; c0 < fresh.size(); c0 += batch) {
      const std::size_t nb = std::min(batch, fresh.size() - c0);
      const auto emb = m_pipeline.reembed(rows.data() + c0 * m_dim, static_cast<std::int64_t>(nb));
      for (std::size_t c = 0; c < nb; ++c) {
        const float* z = rows.data() + (c0 + c) * m_dim;
        const float* e = emb.data() + c * m_dim;
        double dot = 0, norm = 0;
        for (int d = 0; d < m_dim; ++d) {
          dot += static_cast<double>(z[d]) * e[d];
          norm += static_cast<double>(z[d]) * z[d];
        }
        m_out[first + c0 + c].self_cosine = dot / std::max(std::sqrt(norm), 1e-12);
      }
      if (m_embeddings) m_embeddings->insert(m_embeddings->end(), emb.begin(), emb.end());
    }
    return fresh.size();
  }

 private:
  const AttackPipeline& m_pipeline;
  const float* m_prot;
  int m_n, m_dim;
  const OrderProposals& m_model;
  std::vector<SynthesisCandidate>& m_out;
  std::vector<float>* m_embeddings;
  std::map<protect::Permutation, std::size_t> m_index;

 public:
  /// Where a scored order sits among the candidates.
  std::size_t index_of(const protect::Permutation& q) const { return m_index.at(q); }
};

/// Hill climbing from candidate `at` over exchanges of two blocks, by self-cosine.
void climb(CandidateScorer& scorer, const std::vector<SynthesisCandidate>& out, std::size_t at, int n, int rounds) {
  std::vector<protect::Permutation> orders;
  for (int round = 0; round < rounds; ++round) {
    const auto current = out[at].order;
    orders.clear();
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j) {
        auto q = current;
        std::swap(q[static_cast<std::size_t>(i)], q[static_cast<std::size_t>(j)]);
        orders.push_back(std::move(q));
      }
    scorer.score(orders);
    std::size_t best = at;
    for (const auto& q : orders) {
      const auto c = scorer.index_of(q);
      if (out[c].self_cosine > out[best].self_cosine) best = c;
    }
    if (best == at) return;  // no exchange raises the self-cosine: a local maximum
    at = best;
  }
}

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

std::vector<SynthesisCandidate> synthesis_candidates(const OrderProposals& model, const AttackPipeline& pipeline,
                                                     const float* protected_template, const SynthesisSearch& search,
                                                     std::vector<float>* embeddings) {
  IRREV_CHECK(search.candidates >= 1 && search.exchange_rounds >= 0 && search.starts >= 1,
              "synthesis search: at least one candidate and one start, and no negative number of rounds");
  const int n = model.blocks();
  std::vector<SynthesisCandidate> out;
  CandidateScorer scorer(model, pipeline, protected_template, out, embeddings);
  scorer.score(model.most_likely(search.candidates));
  // The climbs start from the model's candidates with the highest self-cosines.
  std::vector<std::size_t> by_cosine(out.size());
  std::iota(by_cosine.begin(), by_cosine.end(), 0);
  std::stable_sort(by_cosine.begin(), by_cosine.end(),
                   [&](std::size_t a, std::size_t b) { return out[a].self_cosine > out[b].self_cosine; });
  by_cosine.resize(std::min<std::size_t>(by_cosine.size(), static_cast<std::size_t>(search.starts)));
  for (auto start : by_cosine) climb(scorer, out, start, n, search.exchange_rounds);
  return out;
}

std::vector<SynthesisCandidate> score_orders(const OrderProposals& model, const AttackPipeline& pipeline,
                                             const float* protected_template,
                                             const std::vector<protect::Permutation>& orders,
                                             std::vector<float>* embeddings) {
  std::vector<SynthesisCandidate> out;
  CandidateScorer scorer(model, pipeline, protected_template, out, embeddings);
  scorer.score(orders);
  return out;
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
