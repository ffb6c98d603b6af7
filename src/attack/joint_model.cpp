#include "irrev/attack/joint_model.hpp"

#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <tuple>

#include "irrev/attack/unshuffle.hpp"
#include "irrev/core/error.hpp"
#include "irrev/match/assignment.hpp"

namespace irrev::attack {

JointTemplateModel JointTemplateModel::fit(const float* x, std::int64_t rows, int dim) {
  IRREV_CHECK(dim >= 2 && rows >= 2,
              "joint template model: needs at least 2 training templates of 2 values, got {} of {}", rows, dim);
  torch::NoGradGuard no_grad;
  const auto t = torch::from_blob(const_cast<float*>(x), {rows, dim}, torch::kFloat32).to(torch::kFloat64);
  const auto mean = t.mean(0);
  const auto centred = t - mean;
  auto cov = centred.t().matmul(centred) / static_cast<double>(rows - 1);
  // Shrunk towards its diagonal by D / (D + rows): barely where templates are many (5 % for
  // 512-D fr_feature over LFW's training identities), enough to stay invertible where they are
  // fewer than the values; the ridge guards a constant value.
  const double shrink = static_cast<double>(dim) / static_cast<double>(dim + rows);
  cov = (1 - shrink) * cov + shrink * torch::diag(cov.diagonal());
  cov += torch::eye(dim, torch::kFloat64) * (1e-6 * cov.diagonal().mean().item<double>());
  torch::Tensor l;
  try {
    l = torch::linalg_cholesky(cov);
  } catch (const c10::Error& e) {
    IRREV_ASSERT(false, "joint template model: the covariance is not positive definite ({})",
                 e.what_without_backtrace());
  }
  const auto precision = torch::cholesky_inverse(l).contiguous();
  JointTemplateModel m;
  m.m_dim = dim;
  l = l.contiguous();
  m.m_cholesky.assign(l.data_ptr<double>(), l.data_ptr<double>() + l.numel());
  m.m_mean.assign(mean.data_ptr<double>(), mean.data_ptr<double>() + dim);
  m.m_precision.assign(precision.data_ptr<double>(), precision.data_ptr<double>() + precision.numel());
  return m;
}

JointOrderScore JointTemplateModel::score(const float* z, int blocks, int beam) const {
  IRREV_CHECK(blocks >= 2 && blocks <= protect::kMaxBlocks && m_dim % blocks == 0,
              "joint template model: {} values cannot be cut into {} blocks (2..{})", m_dim, blocks,
              protect::kMaxBlocks);
  torch::NoGradGuard no_grad;
  const int n = blocks, b = m_dim / blocks;
  auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  const auto x = torch::from_blob(const_cast<float*>(z), {n, 1, b}, torch::kFloat32).to(torch::kFloat64);
  const auto mu = torch::from_blob(const_cast<double*>(m_mean.data()), {1, n, b}, opts);
  const auto y = x - mu;  // y[i][j]: block i less the mean of position j
  const auto p = torch::from_blob(const_cast<double*>(m_precision.data()), {n, b, n, b}, opts);
  const auto yp = torch::einsum("ijs,jslt->ijlt", {y, p});
  const auto pair = torch::einsum("ijlt,klt->ijkl", {yp, y}).contiguous();
  return JointOrderScore(n, std::vector<double>(pair.data_ptr<double>(), pair.data_ptr<double>() + pair.numel()),
                         n > kJointExhaustiveBlocks ? beam_orders(z, n, beam) : std::vector<protect::Permutation>{});
}

protect::Permutation JointTemplateModel::recover(const float* z, int blocks, int beam) const {
  return score(z, blocks, beam).most_likely(1).front().order;
}

namespace {
/// A partial order of the beam: the block at each position filled so far, and the whitened
/// values w = L^-1 (x - mu) of those positions (the log-likelihood is -|w|^2 / 2 + const).
struct BeamState {
  std::vector<std::uint8_t> at;
  std::uint32_t used = 0;
  std::vector<double> w;
  double log_likelihood = 0;
};
}  // namespace

std::vector<protect::Permutation> JointTemplateModel::beam_orders(const float* z, int n, int width) const {
  IRREV_CHECK(width >= 1, "joint template model: the beam needs a width of at least 1, got {}", width);
  const int b = m_dim / n;
  const auto L = [&](int r, int c) { return m_cholesky[static_cast<std::size_t>(r) * m_dim + c]; };
  std::vector<BeamState> beam(1);
  std::vector<double> c(static_cast<std::size_t>(b)), u(static_cast<std::size_t>(b));
  // c = L_j,<j w: what the state's earlier positions predict of position j (whitened).
  auto predict = [&](const BeamState& st, int j) {
    for (int r = 0; r < b; ++r) {
      double v = 0;
      for (int t = 0; t < j * b; ++t) v += L(j * b + r, t) * st.w[static_cast<std::size_t>(t)];
      c[static_cast<std::size_t>(r)] = v;
    }
  };
  // Block i's whitened values at position j: u solves L_jj u = x_i - mu_j - c.
  auto whiten = [&](int j, int i) {
    for (int r = 0; r < b; ++r) {
      double v = z[i * b + r] - m_mean[static_cast<std::size_t>(j * b + r)] - c[static_cast<std::size_t>(r)];
      for (int t = 0; t < r; ++t) v -= L(j * b + r, j * b + t) * u[static_cast<std::size_t>(t)];
      u[static_cast<std::size_t>(r)] = v / L(j * b + r, j * b + r);
    }
  };
  for (int j = 0; j < n; ++j) {
    struct Expansion {
      double ll;
      std::size_t state;
      int block;
    };
    std::vector<Expansion> next;
    for (std::size_t s = 0; s < beam.size(); ++s) {
      const auto& st = beam[s];
      predict(st, j);
      for (int i = 0; i < n; ++i) {
        if (st.used >> i & 1u) continue;
        whiten(j, i);
        double sq = 0;
        for (double x : u) sq += x * x;
        next.push_back({st.log_likelihood - 0.5 * sq, s, i});
      }
    }
    // The most likely partial orders; ties by the earlier state, then the smaller block.
    const auto keep = std::min(next.size(), static_cast<std::size_t>(width));
    std::partial_sort(next.begin(), next.begin() + static_cast<std::ptrdiff_t>(keep), next.end(),
                      [](const Expansion& a, const Expansion& e) {
                        return a.ll != e.ll ? a.ll > e.ll : std::tie(a.state, a.block) < std::tie(e.state, e.block);
                      });
    std::vector<BeamState> grown;
    for (std::size_t x = 0; x < keep; ++x) {
      const auto& from = beam[next[x].state];
      predict(from, j);
      whiten(j, next[x].block);
      BeamState st{from.at, from.used | (1u << next[x].block), from.w, next[x].ll};
      st.at.push_back(static_cast<std::uint8_t>(next[x].block));
      st.w.insert(st.w.end(), u.begin(), u.end());
      grown.push_back(std::move(st));
    }
    beam = std::move(grown);
  }
  std::vector<protect::Permutation> out;
  for (const auto& st : beam) out.push_back(protect::inverse(st.at));  // at[j] = block at j; q[block] = j
  return out;
}

JointOrderScore::JointOrderScore(int blocks, std::vector<double> pair_terms, std::vector<protect::Permutation> starts)
    : m_n(blocks), m_pair(std::move(pair_terms)), m_starts(std::move(starts)) {
  IRREV_ASSERT(m_pair.size() == static_cast<std::size_t>(m_n) * m_n * m_n * m_n,
               "joint order score: {} pair terms for {} blocks", m_pair.size(), m_n);
}

double JointOrderScore::log_likelihood(const protect::Permutation& q) const {
  double s = 0;
  for (int i = 0; i < m_n; ++i)
    for (int k = 0; k < m_n; ++k) s += pair(i, q[static_cast<std::size_t>(i)], k, q[static_cast<std::size_t>(k)]);
  return -0.5 * s;
}

namespace {

bool more_likely(const ScoredOrder& a, const ScoredOrder& b) {
  return a.log_likelihood != b.log_likelihood ? a.log_likelihood > b.log_likelihood : a.order < b.order;
}

std::vector<ScoredOrder> best_of(std::vector<ScoredOrder> all, int k) {
  const auto keep = std::min(all.size(), static_cast<std::size_t>(std::max(k, 0)));
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(), more_likely);
  all.resize(keep);
  return all;
}

}  // namespace

double JointOrderScore::exchange_gain(const protect::Permutation& q, int a, int c) const {
  const int pa = q[static_cast<std::size_t>(a)], pc = q[static_cast<std::size_t>(c)];
  // The sum S = sum_{x,y} pair(x, q_x, y, q_y) changes in the terms of a and c: with every
  // other block twice (the terms are symmetric), and between themselves.
  double delta = 0;
  for (int x = 0; x < m_n; ++x) {
    if (x == a || x == c) continue;
    const int px = q[static_cast<std::size_t>(x)];
    delta += 2 * (pair(x, px, a, pc) - pair(x, px, a, pa) + pair(x, px, c, pa) - pair(x, px, c, pc));
  }
  delta += pair(a, pc, a, pc) + pair(c, pa, c, pa) + 2 * pair(a, pc, c, pa);
  delta -= pair(a, pa, a, pa) + pair(c, pc, c, pc) + 2 * pair(a, pa, c, pc);
  return -0.5 * delta;  // log-likelihood = -S / 2
}

void JointOrderScore::tabu_search(protect::Permutation& best, int iterations,
                                  std::map<protect::Permutation, double>& visited) const {
  const int n = m_n;
  const auto at = [n](int a, int c) { return static_cast<std::size_t>(a) * n + c; };
  auto q = best;
  double best_ll = log_likelihood(best);
  // gain[a, c] (a < c): the log-likelihood's change if blocks a and c exchanged positions.
  std::vector<double> gain(static_cast<std::size_t>(n) * n);
  // tabu[i, j]: the iteration until which block i may not go back to position j.
  std::vector<std::int64_t> tabu(static_cast<std::size_t>(n) * n, -1);
  std::mt19937_64 draws(0x7461627521);  // fixed: the orders found depend on the template alone
  std::uniform_int_distribution<int> tenure(std::max(1, n * 9 / 10), n * 11 / 10);
  double ll = 0;
  for (int it = 0; it < iterations; ++it) {
    // Every n moves the gains and the likelihood are computed afresh, bounding the rounding
    // that the updates below accumulate.
    if (it % n == 0) {
      for (int a = 0; a < n; ++a)
        for (int c = a + 1; c < n; ++c) gain[at(a, c)] = exchange_gain(q, a, c);
      ll = log_likelihood(q);
    }
    // The best exchange not forbidden (both blocks back to places they left lately), unless it
    // beats the best order found (aspiration).
    double move = -std::numeric_limits<double>::infinity();
    int r = -1, s = -1;
    for (int a = 0; a < n; ++a)
      for (int c = a + 1; c < n; ++c) {
        const double g = gain[at(a, c)];
        if (g <= move) continue;
        const bool forbidden =
            tabu[at(a, q[static_cast<std::size_t>(c)])] > it && tabu[at(c, q[static_cast<std::size_t>(a)])] > it;
        if (forbidden && ll + g <= best_ll + 1e-12 * std::abs(best_ll)) continue;
        move = g, r = a, s = c;
      }
    if (r < 0) break;  // every exchange forbidden: n < 4, where the climbs already found all
    const int qr = q[static_cast<std::size_t>(r)], qs = q[static_cast<std::size_t>(s)];
    tabu[at(r, qr)] = it + tenure(draws);
    tabu[at(s, qs)] = it + tenure(draws);
    // Exchanging r and s changes the gain of a pair (u, v) apart from them by the terms of r and
    // s alone (Taillard's update, here for pair terms of four indices): O(1) each.
    for (int u = 0; u < n; ++u) {
      if (u == r || u == s) continue;
      const int qu = q[static_cast<std::size_t>(u)];
      for (int v = u + 1; v < n; ++v) {
        if (v == r || v == s) continue;
        const int qv = q[static_cast<std::size_t>(v)];
        const auto f = [&](int x, int p) {
          return pair(x, p, u, qv) - pair(x, p, u, qu) + pair(x, p, v, qu) - pair(x, p, v, qv);
        };
        gain[at(u, v)] -= f(r, qs) - f(r, qr) + f(s, qr) - f(s, qs);
      }
    }
    std::swap(q[static_cast<std::size_t>(r)], q[static_cast<std::size_t>(s)]);
    for (int x = 0; x < n; ++x)
      for (int y : {r, s})
        if (x != y) gain[at(std::min(x, y), std::max(x, y))] = exchange_gain(q, std::min(x, y), std::max(x, y));
    ll += move;
    if (ll > best_ll + 1e-12 * std::abs(best_ll)) {
      ll = log_likelihood(q);  // exact, for the comparison that decides what is returned
      visited.emplace(q, ll);
      if (ll > best_ll) best = q, best_ll = ll;
    }
  }
}

std::vector<ScoredOrder> JointOrderScore::most_likely(int k, int iterations) const {
  IRREV_CHECK(k >= 1, "joint order search: at least one order");
  const int n = m_n;
  if (n <= kJointExhaustiveBlocks) {
    std::vector<ScoredOrder> all;
    auto q = protect::identity(n);
    do all.push_back({q, log_likelihood(q)});
    while (std::next_permutation(q.begin(), q.end()));
    return best_of(std::move(all), k);
  }
  std::map<protect::Permutation, double> visited;
  auto visit = [&](const protect::Permutation& q) {
    const auto [at, fresh] = visited.emplace(q, 0.0);
    if (fresh) at->second = log_likelihood(q);
    return at->second;
  };
  // Block i at position j given where `around` puts the other blocks, as assignment costs (the
  // Hungarian minimises): its own term and its pairs with the others, twice over (the terms
  // are symmetric).
  std::vector<double> cost(static_cast<std::size_t>(n) * n);
  auto linearise = [&](const protect::Permutation& around) {
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        double c = 0.5 * pair(i, j, i, j);
        for (int o = 0; o < n; ++o)
          if (o != i) c += pair(i, j, o, around[static_cast<std::size_t>(o)]);
        cost[static_cast<std::size_t>(i) * n + j] = c;
      }
  };
  IRREV_ASSERT(!m_starts.empty(), "joint order search: {} blocks and no start", n);
  for (auto q : m_starts) {
    double ll = visit(q);
    for (bool moved = true; moved;) {
      moved = false;
      linearise(q);
      const auto lin = order_of_columns(match::min_cost_assignment(cost, n));
      if (const double l = visit(lin); l > ll + 1e-12 * std::abs(ll)) {
        q = lin, ll = l, moved = true;
        continue;
      }
      auto best = q;
      double best_ll = ll;
      for (int i = 0; i < n; ++i)
        for (int j = i + 1; j < n; ++j) {
          auto e = q;
          std::swap(e[static_cast<std::size_t>(i)], e[static_cast<std::size_t>(j)]);
          if (const double l = visit(e); l > best_ll) best = std::move(e), best_ll = l;
        }
      if (best_ll > ll + 1e-12 * std::abs(ll)) q = std::move(best), ll = best_ll, moved = true;
    }
  }
  // A robust tabu search from the best order found: the climbs above end in the first local
  // optimum near each start, where beyond 16 blocks the most likely order is often many
  // exchanges away through less likely orders (issue 38: at 32 blocks the true order was more
  // likely than the one found for a third of the templates; an iterated local search of 320
  // kicks still missed a quarter).
  auto best = std::max_element(visited.begin(), visited.end(), [](const auto& a, const auto& b) {
                return a.second != b.second ? a.second < b.second : a.first > b.first;
              })->first;
  tabu_search(best, iterations < 0 ? joint_search_iterations(n) : iterations, visited);
  std::vector<ScoredOrder> all;
  for (const auto& [q, ll] : visited) all.push_back({q, ll});
  return best_of(std::move(all), k);
}

std::vector<protect::Permutation> joint_placements(const JointTemplateModel& model, const float* templates,
                                                   std::int64_t rows, int blocks, std::uint64_t seed, int beam) {
  return recover_placements([&](const float* prot) { return model.recover(prot, blocks, beam); }, blocks, model.dim(),
                            templates, rows, seed);
}

}  // namespace irrev::attack
