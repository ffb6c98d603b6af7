#include "irrev/attack/unshuffle.hpp"

#include <torch/types.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "irrev/core/error.hpp"
#include "irrev/core/json_number.hpp"
#include "irrev/data/identity_split.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/match/assignment.hpp"
#include "irrev/metrics/error_rates.hpp"
#include "irrev/protect/keyed_stream.hpp"
#include "irrev/protect/pe_miu.hpp"
#include "irrev/protect/samplers.hpp"

namespace irrev::attack {

BlockPositionModel BlockPositionModel::fit(const float* x, std::int64_t rows, int dim, int blocks, bool full) {
  IRREV_CHECK(rows >= 2, "block-position model: needs at least 2 training templates, got {}", rows);
  IRREV_CHECK(blocks >= 2 && blocks <= protect::kMaxBlocks && dim % blocks == 0,
              "block-position model: {} values cannot be cut into {} blocks (2..{})", dim, blocks, protect::kMaxBlocks);
  BlockPositionModel m;
  m.m_dim = dim;
  m.m_blocks = blocks;
  m.m_mean.assign(static_cast<std::size_t>(dim), 0);
  std::vector<double> sq(static_cast<std::size_t>(dim), 0);
  for (std::int64_t r = 0; r < rows; ++r)
    for (int d = 0; d < dim; ++d) m.m_mean[static_cast<std::size_t>(d)] += x[r * dim + d];
  for (auto& v : m.m_mean) v /= static_cast<double>(rows);
  for (std::int64_t r = 0; r < rows; ++r)
    for (int d = 0; d < dim; ++d) {
      const double e = x[r * dim + d] - m.m_mean[static_cast<std::size_t>(d)];
      sq[static_cast<std::size_t>(d)] += e * e;
    }
  m.m_inv_var.resize(static_cast<std::size_t>(dim));
  m.m_log_sd_sum.assign(static_cast<std::size_t>(blocks), 0);
  const int b = dim / blocks;
  for (int d = 0; d < dim; ++d) {
    // A floor on the variance keeps a constant dimension from dominating every score.
    const double var = std::max(sq[static_cast<std::size_t>(d)] / static_cast<double>(rows - 1), 1e-12);
    m.m_inv_var[static_cast<std::size_t>(d)] = 1.0 / var;
    m.m_log_sd_sum[static_cast<std::size_t>(d / b)] += 0.5 * std::log(var);
  }
  if (!full) return m;
  IRREV_CHECK(rows > b, "block-position model: a full covariance of {} values needs more than {} templates, got {}", b,
              b, rows);
  m.m_precision.resize(static_cast<std::size_t>(blocks) * static_cast<std::size_t>(b * b));
  for (int j = 0; j < blocks; ++j) {
    std::vector<double> cov(static_cast<std::size_t>(b * b), 0);
    for (std::int64_t r = 0; r < rows; ++r) {
      const float* v = x + r * dim + j * b;
      for (int s = 0; s < b; ++s) {
        const double es = v[s] - m.m_mean[static_cast<std::size_t>(j * b + s)];
        for (int t = 0; t <= s; ++t)
          cov[static_cast<std::size_t>(s * b + t)] += es * (v[t] - m.m_mean[static_cast<std::size_t>(j * b + t)]);
      }
    }
    // Shrunk 10 % towards the diagonal: fewer training templates than parameters stay stable.
    for (int s = 0; s < b; ++s)
      for (int t = 0; t <= s; ++t) {
        double c = cov[static_cast<std::size_t>(s * b + t)] / static_cast<double>(rows - 1);
        if (s != t)
          c *= 0.9;
        else
          c = std::max(c, 1e-12);
        cov[static_cast<std::size_t>(s * b + t)] = cov[static_cast<std::size_t>(t * b + s)] = c;
      }
    // LibTorch's Cholesky factor L (LAPACK): log det / 2 = sum log L_ii, precision = (L L^T)^-1.
    torch::Tensor l;
    try {
      l = torch::linalg_cholesky(torch::from_blob(cov.data(), {b, b}, torch::kFloat64));
    } catch (const c10::Error& e) {
      IRREV_ASSERT(false, "block-position model: the covariance of position {} is not positive definite ({})", j,
                   e.what_without_backtrace());
    }
    m.m_log_sd_sum[static_cast<std::size_t>(j)] = l.diagonal().log().sum().item<double>();
    const auto p = torch::cholesky_inverse(l).contiguous();
    std::copy_n(p.data_ptr<double>(), b * b, m.m_precision.begin() + static_cast<std::ptrdiff_t>(j) * b * b);
  }
  return m;
}

std::vector<double> BlockPositionModel::scores(const float* z) const {
  const int n = m_blocks, b = m_dim / m_blocks;
  std::vector<double> s(static_cast<std::size_t>(n) * static_cast<std::size_t>(n)), e(static_cast<std::size_t>(b));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      double ll = -m_log_sd_sum[static_cast<std::size_t>(j)];
      for (int t = 0; t < b; ++t)
        e[static_cast<std::size_t>(t)] = z[i * b + t] - m_mean[static_cast<std::size_t>(j * b + t)];
      if (m_precision.empty()) {
        for (int t = 0; t < b; ++t)
          ll -= 0.5 * e[static_cast<std::size_t>(t)] * e[static_cast<std::size_t>(t)] *
                m_inv_var[static_cast<std::size_t>(j * b + t)];
      } else {
        const double* p = m_precision.data() + static_cast<std::ptrdiff_t>(j) * b * b;
        for (int s1 = 0; s1 < b; ++s1) {
          double row = 0;
          for (int t = 0; t < b; ++t) row += p[s1 * b + t] * e[static_cast<std::size_t>(t)];
          ll -= 0.5 * e[static_cast<std::size_t>(s1)] * row;
        }
      }
      s[static_cast<std::size_t>(i * n + j)] = ll;
    }
  return s;
}

protect::Permutation BlockPositionModel::recover(const float* z) const {
  auto s = scores(z);
  for (auto& v : s) v = -v;
  return order_of_columns(match::min_cost_assignment(s, m_blocks));
}

std::vector<float> training_templates(const data::TemplateSet& set, std::uint64_t split_seed, double eval_share,
                                      const std::set<std::string>& excluded) {
  std::vector<float> out;
  for (std::int64_t i = 0; i < set.count; ++i) {
    const auto& subject = set.images.subjects[static_cast<std::size_t>(i)];
    if (!data::is_evaluation_subject(subject, split_seed, eval_share) && !excluded.count(subject))
      out.insert(out.end(), set.row(i), set.row(i) + set.dim);
  }
  return out;
}

namespace {
/// The third index of an evaluation template's keyed stream (apart from the attack plans').
constexpr std::uint64_t kEvaluationStream = 0x0B5E0000ull;
}  // namespace

protect::Permutation first_uniform_draw(int blocks, std::uint64_t seed, std::int64_t row) {
  protect::KeyedStream stream(seed, kEvaluationStream, static_cast<std::uint64_t>(row));
  return protect::sample_uniform(blocks, stream);
}

Placement placement_of(const protect::Permutation& recovered, const protect::Permutation& p) {
  Placement placement(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) placement[p[i]] = recovered[i];
  return placement;
}

protect::Permutation recovered_under(const Placement& placement, const protect::Permutation& p) {
  protect::Permutation q(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) q[i] = placement[p[i]];
  return q;
}

protect::Permutation order_of_columns(const std::vector<int>& column) {
  protect::Permutation q(column.size());
  for (std::size_t i = 0; i < column.size(); ++i) q[i] = static_cast<std::uint8_t>(column[i]);
  return q;
}

double order_log_likelihood(const std::vector<double>& scores, const protect::Permutation& q) {
  const std::size_t n = q.size();
  double ll = 0;
  for (std::size_t i = 0; i < n; ++i) ll += scores[i * n + q[i]];
  return ll;
}

std::vector<Placement> recover_placements(const std::function<protect::Permutation(const float*)>& recover, int blocks,
                                          int dim, const float* templates, std::int64_t rows, std::uint64_t seed) {
  std::vector<float> prot(static_cast<std::size_t>(dim));
  std::vector<Placement> placements;
  for (std::int64_t r = 0; r < rows; ++r) {
    const auto p = first_uniform_draw(blocks, seed, r);
    protect::apply_blocks(templates + r * dim, dim, dim / blocks, p, prot.data());
    placements.push_back(placement_of(recover(prot.data()), p));
  }
  return placements;
}

std::vector<Placement> recover_placements(const BlockPositionModel& model, const float* templates, std::int64_t rows,
                                          std::uint64_t seed) {
  return recover_placements([&](const float* prot) { return model.recover(prot); }, model.blocks(), model.dim(),
                            templates, rows, seed);
}

UnshuffleMetrics evaluate_unshuffle(const BlockPositionModel& model, const float* templates, std::int64_t rows,
                                    int uniform, int per_complexity, std::uint64_t seed) {
  IRREV_CHECK(rows >= 1, "unshuffle evaluation needs templates");
  return evaluate_placements(recover_placements(model, templates, rows, seed), model.blocks(), uniform, per_complexity,
                             seed);
}

UnshuffleMetrics evaluate_placements(const std::vector<Placement>& placements, int n, int uniform, int per_complexity,
                                     std::uint64_t seed) {
  const auto rows = static_cast<std::int64_t>(placements.size());
  IRREV_CHECK(rows >= 1 && uniform >= 1 && per_complexity >= 0,
              "unshuffle evaluation needs templates and at least one uniform permutation per template");
  UnshuffleMetrics m;
  m.blocks = n;
  m.templates = rows;
  m.chance = 1.0 / n;
  m.exact_by_complexity.assign(static_cast<std::size_t>(n) + 1, 0);
  m.estimated_by_complexity.assign(static_cast<std::size_t>(n) + 1, 0);
  m.samples_by_complexity.assign(static_cast<std::size_t>(n) + 1, 0);
  // Positions still wrong after recovering p from the protected template.
  auto wrong_after = [&](const Placement& placement, const protect::Permutation& p, protect::Permutation& q) {
    q = recovered_under(placement, p);
    int wrong = 0;
    for (int i = 0; i < n; ++i) wrong += q[static_cast<std::size_t>(i)] != p[static_cast<std::size_t>(i)];
    return wrong;
  };
  std::int64_t right_positions = 0, exact = 0, displaced = 0, k_exact = 0, k_abs = 0, stratified = 0;
  // Per-template accuracies: the draws of one template are not independent of each other (the
  // recovery sends a given block's content to the same place whatever the permutation), so the
  // interval is over templates, not over positions.
  double acc_sum = 0, acc_sq = 0;
  protect::Permutation q;
  const auto ks = protect::complexities(n);
  for (std::int64_t r = 0; r < rows; ++r) {
    const auto& placement = placements[static_cast<std::size_t>(r)];
    IRREV_ASSERT(static_cast<int>(placement.size()) == n, "a placement of {} blocks among {}-block ones",
                 placement.size(), n);
    protect::KeyedStream stream(seed, kEvaluationStream, static_cast<std::uint64_t>(r));
    std::int64_t right_here = 0;
    for (int s = 0; s < uniform; ++s) {
      const int wrong = wrong_after(placement, protect::sample_uniform(n, stream), q);
      right_here += n - wrong;
      displaced += wrong;
      exact += wrong == 0;
      ++m.samples;
    }
    right_positions += right_here;
    const double acc = static_cast<double>(right_here) / (static_cast<double>(uniform) * n);
    acc_sum += acc;
    acc_sq += acc * acc;
    for (int k : ks)
      for (int s = 0; s < per_complexity; ++s) {
        const int wrong = wrong_after(placement, protect::sample_with_complexity(n, k, stream), q);
        const int est = estimated_complexity(q);
        k_exact += est == k;
        k_abs += std::abs(est - k);
        m.exact_by_complexity[static_cast<std::size_t>(k)] += wrong == 0;
        m.estimated_by_complexity[static_cast<std::size_t>(k)] += est;
        ++m.samples_by_complexity[static_cast<std::size_t>(k)];
        ++stratified;
      }
  }
  const auto samples = static_cast<double>(m.samples);
  m.position_accuracy = static_cast<double>(right_positions) / (samples * n);
  const double rows_d = static_cast<double>(rows), mean = acc_sum / rows_d;
  const double sd = rows > 1 ? std::sqrt(std::max(0.0, (acc_sq - rows_d * mean * mean) / (rows_d - 1))) : 0;
  const double half = metrics::normal_quantile(0.975) * sd / std::sqrt(rows_d);
  m.position_ci_low = mean - half;
  m.position_ci_high = mean + half;
  m.chance_level = m.chance >= m.position_ci_low && m.chance <= m.position_ci_high;
  m.exact_rate = static_cast<double>(exact) / samples;
  m.mean_displaced_after = static_cast<double>(displaced) / samples;
  if (stratified > 0) {
    m.complexity_exact_rate = static_cast<double>(k_exact) / static_cast<double>(stratified);
    m.complexity_mean_abs_error = static_cast<double>(k_abs) / static_cast<double>(stratified);
  }
  for (std::size_t k = 0; k < m.samples_by_complexity.size(); ++k)
    if (m.samples_by_complexity[k] > 0) {
      m.exact_by_complexity[k] /= static_cast<double>(m.samples_by_complexity[k]);
      m.estimated_by_complexity[k] /= static_cast<double>(m.samples_by_complexity[k]);
    }
  return m;
}

nlohmann::ordered_json UnshuffleMetrics::to_json() const {
  nlohmann::ordered_json by_k = nlohmann::json::array();
  for (std::size_t k = 0; k < samples_by_complexity.size(); ++k)
    if (samples_by_complexity[k] > 0)
      by_k.push_back({{"complexity", k},
                      {"samples", samples_by_complexity[k]},
                      {"exact_rate", exact_by_complexity[k]},
                      {"mean_estimated_complexity", estimated_by_complexity[k]}});
  return nlohmann::ordered_json{{"blocks", blocks},
                                {"templates", templates},
                                {"samples", samples},
                                {"position_accuracy", position_accuracy},
                                {"position_accuracy_ci95", {position_ci_low, position_ci_high}},
                                {"chance", chance},
                                {"chance_level", chance_level},
                                {"exact_permutation_rate", exact_rate},
                                {"mean_displaced_after", mean_displaced_after},
                                {"complexity_estimate_exact_rate", complexity_exact_rate},
                                {"complexity_estimate_mean_abs_error", complexity_mean_abs_error},
                                {"by_complexity", by_k}};
}

UnshuffleMetrics UnshuffleMetrics::from_json(const nlohmann::json& j) {
  UnshuffleMetrics m;
  m.blocks = j.at("blocks").get<int>();
  m.templates = j.at("templates").get<std::int64_t>();
  m.samples = j.at("samples").get<std::int64_t>();
  m.position_accuracy = json_number(j.at("position_accuracy"));
  m.position_ci_low = json_number(j.at("position_accuracy_ci95").at(0));
  m.position_ci_high = json_number(j.at("position_accuracy_ci95").at(1));
  m.chance = json_number(j.at("chance"));
  m.chance_level = j.at("chance_level").get<bool>();
  m.exact_rate = json_number(j.at("exact_permutation_rate"));
  m.mean_displaced_after = json_number(j.at("mean_displaced_after"));
  m.complexity_exact_rate = json_number(j.at("complexity_estimate_exact_rate"));
  m.complexity_mean_abs_error = json_number(j.at("complexity_estimate_mean_abs_error"));
  for (const auto& k : j.at("by_complexity")) {
    const auto c = k.at("complexity").get<std::size_t>();
    if (m.samples_by_complexity.size() <= c) {
      m.samples_by_complexity.resize(c + 1, 0);
      m.exact_by_complexity.resize(c + 1, 0);
      m.estimated_by_complexity.resize(c + 1, 0);
    }
    m.samples_by_complexity[c] = k.at("samples").get<std::int64_t>();
    m.exact_by_complexity[c] = json_number(k.at("exact_rate"));
    m.estimated_by_complexity[c] = json_number(k.at("mean_estimated_complexity"));
  }
  return m;
}

}  // namespace irrev::attack
