#include "irrev/pipeline/verify_pe_miu.hpp"

#include <boost/serialization/vector.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "../match/detail/pe_miu_kernel.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/core/output_lock.hpp"
#include "irrev/core/paths.hpp"
#include "irrev/core/progress.hpp"
#include "irrev/core/text_file.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/dist/work_queue.hpp"
#include "irrev/match/pe_miu_compare.hpp"
#include "irrev/match/pe_miu_tiles.hpp"
#include "irrev/metrics/score_histogram.hpp"
#include "irrev/metrics/unlinkability.hpp"
#include "irrev/pipeline/thresholds.hpp"
#include "irrev/protect/pe_miu.hpp"
#include "stage_queue.hpp"

namespace irrev::pipeline {
namespace {

/// One protection setting: block size 0 is unprotected.
struct Protection {
  int block = 0;
  std::string name() const { return block == 0 ? "unprotected" : std::to_string(block); }
};

double cosine(const float* a, const float* b, int dim) {
  const double n = std::sqrt(match::detail::dot8(a, a, dim)) * std::sqrt(match::detail::dot8(b, b, dim));
  return n > 0 ? match::detail::dot8(a, b, dim) / n : 0.0;
}

/// Score of reference row a (protected under its own key when p.block > 0) against probe b.
struct Scorer {
  const data::TemplateSet& t;
  std::vector<protect::ProtectedTemplates> protected_sets;  // one per protection, [0] unused
  std::vector<Protection> protections;
  std::vector<match::PeMiuComparator> comparators;  // likewise
  std::vector<double> norm;                         // each template's, for the unprotected cosine (all-vs-all)

  double score(std::size_t p, std::int64_t a, const float* probe) {
    if (protections[p].block == 0) return cosine(t.row(a), probe, t.dim);
    return comparators[p].score(protected_sets[p].values.data() + a * t.dim, probe);
  }

  void prepare() {
    for (std::int64_t i = 0; i < t.count; ++i)
      norm.push_back(std::sqrt(match::detail::dot8(t.row(i), t.row(i), t.dim)));
  }

  /// The unprotected cosine of rows a and b, through the prepared norms: cosine()'s value.
  double unprotected(std::int64_t a, std::int64_t b) const {
    const double n = norm[static_cast<std::size_t>(a)] * norm[static_cast<std::size_t>(b)];
    return n > 0 ? match::detail::dot8(t.row(a), t.row(b), t.dim) / n : 0.0;
  }
};

VerifyRow exact_row(const std::string& protection, std::vector<double> gen, std::vector<double> imp) {
  VerifyRow r;
  r.protection = protection;
  r.pairs = "lfw-view2";
  r.genuine = static_cast<std::int64_t>(gen.size());
  r.impostor = static_cast<std::int64_t>(imp.size());
  metrics::ScoreSets s(std::move(gen), std::move(imp));
  r.eer = metrics::eer_fvc2000(s);
  r.fmr_0_1 = metrics::threshold_at_fmr(s, 0.001);
  r.fmr_1 = metrics::threshold_at_fmr(s, 0.01);
  return r;
}

void write_scores(const std::string& path, const std::vector<double>& scores) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::string text;
  for (double s : scores) text += fmt::format("{:.17g}\n", s);
  write_text_file(path, text, "score file");
}

using Histograms = std::vector<metrics::ScoreHistogram>;

/// The unprotected setting and one per block size, each reference protected under its own key.
Scorer make_scorer(const data::TemplateSet& t, const VerifyOptions& o) {
  std::vector<Protection> protections{{0}};
  for (int b : o.settings.blocks) {
    protect::block_count(t.dim, b);  // an InputError naming b and D when b does not divide D
    protections.push_back({b});
  }
  Scorer scorer{t, {}, protections, {}, {}};
  scorer.protected_sets.resize(protections.size());
  for (std::size_t p = 0; p < protections.size(); ++p) {
    const int block = protections[p].block;
    scorer.comparators.emplace_back(t.dim, block == 0 ? t.dim : block);
    if (block > 0)
      scorer.protected_sets[p] = protect::protect_all(t.values.data(), t.count, t.dim, block, o.settings.seed);
  }
  return scorer;
}

/// LFW View 2: small, exact, on rank 0; with the unlinkability of the protected settings.
std::vector<VerifyRow> view2_rows(Scorer& scorer, const VerifyOptions& o) {
  const auto& t = scorer.t;
  IRREV_CHECK(!t.pairs.pairs.empty(), "'{}' carries no pairs for lfw-view2", o.templates);
  std::vector<VerifyRow> rows;
  for (std::size_t p = 0; p < scorer.protections.size(); ++p) {
    const auto& protection = scorer.protections[p];
    std::vector<double> gen, imp;
    for (const auto& pr : t.pairs.pairs) (pr.genuine ? gen : imp).push_back(scorer.score(p, pr.a, t.row(pr.b)));
    if (!o.scores_dir.empty()) {
      write_scores(o.scores_dir + "/" + protection.name() + "_genuine.txt", gen);
      write_scores(o.scores_dir + "/" + protection.name() + "_impostor.txt", imp);
    }
    auto row = exact_row(protection.name(), gen, imp);
    if (protection.block > 0) {
      // Mated: the probe side protected under a second key; non-mated: impostor pairs alike.
      auto second = protect::protect_all(t.values.data(), t.count, t.dim, protection.block, o.settings.seed + 1);
      std::vector<double> m, nm;
      for (const auto& pr : t.pairs.pairs)
        (pr.genuine ? m : nm).push_back(scorer.score(p, pr.a, second.values.data() + pr.b * t.dim));
      row.d_sys = metrics::unlinkability(m, nm).d_sys;
    }
    rows.push_back(row);
  }
  return rows;
}

/// Every pair of the first n templates, in units of reference rows over the work queue; rank 0
/// gets the merged histograms per protection.
Histograms all_vs_all_histograms(const dist::Communicator& comm, Scorer& scorer, const VerifyOptions& o,
                                 std::int64_t n) {
  const auto& t = scorer.t;
  const auto n_prot = scorer.protections.size();
  const std::int64_t units = (n + o.unit_rows - 1) / o.unit_rows;
  Histograms total(n_prot, metrics::ScoreHistogram(-1, 1, o.bins));
  const std::int64_t all_pairs = n * (n - 1) / 2;
  scorer.prepare();
  Progress progress("verify all-vs-all pairs", all_pairs, comm.is_master() && o.progress);
  if (comm.is_master())
    spdlog::info("verify: {} all-vs-all pairs x {} protections in {} units", all_pairs, n_prot, units);
  // Each row's subject as a number: a pair's genuineness is asked twice per pair.
  std::vector<std::size_t> subject;
  std::unordered_map<std::string, std::size_t> subjects;
  for (const auto& name : t.images.subjects) subject.push_back(subjects.emplace(name, subjects.size()).first->second);
  // A unit's rows [a0, a1) against the rows after a0, a tile at a time per protected setting
  // (PeMiuTiles: the scores of PeMiuComparator to the last bit).
  std::vector<double> scores;
  const auto compute = [&](std::int64_t u) {
    Histograms h(n_prot, metrics::ScoreHistogram(-1, 1, o.bins));
    const std::int64_t a0 = u * o.unit_rows, a1 = std::min(n, (u + 1) * o.unit_rows), probes = n - (a0 + 1);
    const auto genuine = [&](std::int64_t a, std::int64_t b) {
      return subject[static_cast<std::size_t>(a)] == subject[static_cast<std::size_t>(b)];
    };
    for (std::int64_t a = a0; a < a1; ++a)
      for (std::int64_t b = a + 1; b < n; ++b) {
        const double s = scorer.unprotected(a, b);
        genuine(a, b) ? h[0].add_genuine(s) : h[0].add_impostor(s);
      }
    for (std::size_t p = 1; p < n_prot && probes > 0; ++p) {
      scores.resize(static_cast<std::size_t>((a1 - a0) * probes));
      match::PeMiuTiles tiles(t.dim, scorer.protections[p].block);
      // Pair (i, j) is row a0 + i against row a0 + 1 + j: every j >= i.
      tiles.score(scorer.protected_sets[p].values.data() + a0 * t.dim, a1 - a0, t.row(a0 + 1), probes, 0,
                  scores.data());
      for (std::int64_t a = a0; a < a1; ++a)
        for (std::int64_t b = a + 1; b < n; ++b) {
          const double s = scores[static_cast<std::size_t>((a - a0) * probes + (b - a0 - 1))];
          genuine(a, b) ? h[p].add_genuine(s) : h[p].add_impostor(s);
        }
    }
    return h;
  };
  const auto merge = [&](std::int64_t u, Histograms&& h) {
    for (std::size_t p = 0; p < h.size(); ++p) total[p].merge(h[p]);
    std::int64_t first = u * o.unit_rows, last = std::min(n, (u + 1) * o.unit_rows);
    // Pairs of rows [first, last): sum of (n - 1 - a).
    progress.advance((last - first) * (n - 1) - (first + last - 1) * (last - first) / 2);
  };
  detail::run_stage_queue<Histograms>(comm, "verify", units, compute, merge);
  progress.finish();
  return total;
}

VerifyRow all_vs_all_row(const std::string& protection, const metrics::ScoreHistogram& h, std::int64_t n) {
  VerifyRow r;
  r.protection = protection;
  r.pairs = "all-vs-all";
  r.genuine = h.genuine_count();
  r.impostor = h.impostor_count();
  IRREV_CHECK(r.genuine > 0 && r.impostor > 0, "all-vs-all over {} templates has no genuine or no impostor pair", n);
  r.eer = h.eer();
  r.fmr_0_1 = h.threshold_at_fmr(0.001);
  r.fmr_1 = h.threshold_at_fmr(0.01);
  r.threshold_resolution = h.width();
  return r;
}

/// verify.h5: the table and the all-vs-all histograms per protection.
void write_verify_file(const VerifyOptions& o, const Scorer& scorer, const std::vector<VerifyRow>& rows,
                       const Histograms& total) {
  const auto to_i64 = [](const std::vector<std::uint64_t>& v) { return std::vector<std::int64_t>(v.begin(), v.end()); };
  h5::AtomicOutput output(o.out);
  h5::File& f = output.file();
  f.set_attribute("schema", "irrev.verify/1");
  f.set_attribute("templates", o.templates);
  f.set_attribute("extractor", scorer.t.extractor_json);
  f.set_attribute("seed", std::to_string(o.settings.seed));
  const std::string table = verify_table(rows).dump();
  f.set_attribute("table_json", table);
  f.set_attribute("table_sha256", table_checksum(table));
  if (!o.stage_key.empty()) f.set_attribute("stage_key", o.stage_key);
  for (std::size_t p = 0; p < scorer.protections.size(); ++p) {
    std::string g = "all_vs_all/" + scorer.protections[p].name();
    f.write(g + "/histogram_genuine", to_i64(total[p].genuine()));
    f.write(g + "/histogram_impostor", to_i64(total[p].impostor()));
  }
  output.commit();
}

}  // namespace

void VerifySettings::validate(const std::string& where) const {
  for (int b : blocks) IRREV_CHECK(b > 0, "{}: blocks (--blocks): block sizes are positive, got {}", where, b);
}

std::vector<VerifyRow> run_verify(const dist::Communicator& comm, const VerifyOptions& o) {
  o.settings.validate("verify");  // before any file is read or template protected
  OutputLock lock;                // one run per output
  if (comm.is_master() && !o.out.empty()) {
    require_output_file(o.out, "verification output (--out)");
    lock = OutputLock(o.out);
  }
  const auto t = data::read_template_set(o.templates);
  auto scorer = make_scorer(t, o);
  std::vector<VerifyRow> rows;
  if (has_view2(o.settings.pairs) && comm.is_master()) rows = view2_rows(scorer, o);
  if (!has_all_vs_all(o.settings.pairs)) return rows;
  const std::int64_t n = o.limit > 0 ? std::min(o.limit, t.count) : t.count;
  const auto total = all_vs_all_histograms(comm, scorer, o, n);
  if (!comm.is_master()) return rows;
  for (std::size_t p = 0; p < scorer.protections.size(); ++p)
    rows.push_back(all_vs_all_row(scorer.protections[p].name(), total[p], n));
  if (!o.out.empty()) write_verify_file(o, scorer, rows, total);
  return rows;
}

std::string verify_table_csv(const std::vector<VerifyRow>& rows) {
  std::string out =
      "protection,pairs,genuine,impostor,eer,eer_low,eer_high,eer_threshold,fnmr_fmr0.1,"
      "threshold_fmr0.1,false_matches_fmr0.1,fnmr_fmr1,threshold_fmr1,false_matches_fmr1,"
      "threshold_resolution,d_sys\n";
  for (const auto& r : rows) {
    out += fmt::format("{},{},{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{},{:.6f},{:.6f},{},{:g},{}\n",
                       r.protection, r.pairs, r.genuine, r.impostor, r.eer.eer, r.eer.low, r.eer.high, r.eer.threshold,
                       r.fmr_0_1.fnmr, r.fmr_0_1.threshold, r.fmr_0_1.false_matches, r.fmr_1.fnmr, r.fmr_1.threshold,
                       r.fmr_1.false_matches, r.threshold_resolution,
                       r.d_sys >= 0 ? fmt::format("{:.6f}", r.d_sys) : std::string{});
  }
  return out;
}

nlohmann::ordered_json verify_table(const std::vector<VerifyRow>& rows) {
  nlohmann::ordered_json a = nlohmann::ordered_json::array();
  for (const auto& r : rows) {
    nlohmann::ordered_json j{{"protection", r.protection},
                             {"pairs", r.pairs},
                             {"genuine", r.genuine},
                             {"impostor", r.impostor},
                             {"eer", r.eer.eer},
                             {"eer_low", r.eer.low},
                             {"eer_high", r.eer.high},
                             {"eer_threshold", r.eer.threshold},
                             {"fnmr_fmr0.1", r.fmr_0_1.fnmr},
                             {"threshold_fmr0.1", r.fmr_0_1.threshold},
                             {"false_matches_fmr0.1", r.fmr_0_1.false_matches},
                             {"fnmr_fmr1", r.fmr_1.fnmr},
                             {"threshold_fmr1", r.fmr_1.threshold},
                             {"false_matches_fmr1", r.fmr_1.false_matches},
                             {"threshold_resolution", r.threshold_resolution}};
    if (r.d_sys >= 0) j["d_sys"] = r.d_sys;
    a.push_back(j);
  }
  return a;
}

}  // namespace irrev::pipeline
