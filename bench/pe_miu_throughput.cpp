// PE-MIU comparisons per second on one core (and on the GPU where the build and machine have
// one), on real templates: one line per block count and path. The tiled path (verify's
// all-vs-all) walks every pair of the first --tile-templates templates, protected references
// against unprotected probes as verify does, beside the prepared per-pair path on the same
// pairs, and counts the scores that differ (to the last bit).
//   pe_miu_throughput --templates templates.h5 [--blocks 8 32] [--pairs 200000] [--tile-templates 1024] [--cuda]
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "irrev/data/template_set.hpp"
#include "irrev/match/pe_miu_compare.hpp"
#include "irrev/match/pe_miu_tiles.hpp"
#include "irrev/protect/pe_miu.hpp"

namespace {

/// Every pair (a < b) of the first m templates, reference a protected (seed 2021) against probe
/// b: the tiled path, then the prepared per-pair path on the same pairs.
void tiled(const irrev::data::TemplateSet& t, int block, std::int64_t m) {
  using namespace irrev;
  const auto prot = protect::protect_all(t.values.data(), m, t.dim, block, 2021);
  const std::int64_t pairs = m * (m - 1) / 2;
  std::vector<double> tiles(static_cast<std::size_t>(m * m), 0.0);
  match::PeMiuTiles tiler(t.dim, block);
  auto t0 = std::chrono::steady_clock::now();
  tiler.score(prot.values.data(), m, t.values.data(), m, 1, tiles.data());
  const double s_tiled = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  match::PeMiuComparator c(t.dim, block);
  std::vector<float> tr(static_cast<std::size_t>(m * t.dim));
  std::vector<double> rn(static_cast<std::size_t>(m)), qn(static_cast<std::size_t>(m));
  t0 = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < m; ++i) {
    c.transpose(t.row(i), tr.data() + i * t.dim);
    qn[static_cast<std::size_t>(i)] = c.norm(t.row(i));
    rn[static_cast<std::size_t>(i)] = c.norm(prot.values.data() + i * t.dim);
  }
  std::int64_t differ = 0;
  for (std::int64_t a = 0; a < m; ++a)
    for (std::int64_t b = a + 1; b < m; ++b) {
      const double s = c.score_prepared(prot.values.data() + a * t.dim, rn[static_cast<std::size_t>(a)], t.row(b),
                                        tr.data() + b * t.dim, qn[static_cast<std::size_t>(b)]);
      differ += s != tiles[static_cast<std::size_t>(a * m + b)];
    }
  const double s_exact = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf(
      "pe_miu_tiled device=cpu threads=1 dim=%d blocks=%d pairs=%ld seconds=%.3f per_s=%.0f certified=%ld exact=%ld "
      "prepared_per_s=%.0f speedup=%.2f scores_differing=%ld\n",
      t.dim, t.dim / block, static_cast<long>(pairs), s_tiled, pairs / s_tiled,
      static_cast<long>(tiler.counts().certified), static_cast<long>(tiler.counts().exact), pairs / s_exact,
      s_exact / s_tiled, static_cast<long>(differ));
}

}  // namespace

int main(int argc, char** argv) {
  using namespace irrev;
  CLI::App app{"PE-MIU comparison throughput"};
  std::string path;
  std::vector<int> blocks{8, 16, 32};
  std::int64_t pairs = 200000;
  std::int64_t tile_templates = 1024;
  bool cuda = false;
  app.add_option("--templates", path)->required();
  app.add_option("--blocks", blocks, "block counts n");
  app.add_option("--pairs", pairs, "comparisons per configuration");
  app.add_option("--tile-templates", tile_templates, "templates whose every pair the tiled path scores (0: none)");
  app.add_flag("--cuda", cuda, "also time the CUDA kernel");
  CLI11_PARSE(app, argc, argv);

  auto t = data::read_template_set(path);
  std::vector<std::int64_t> a(static_cast<std::size_t>(pairs)), b(static_cast<std::size_t>(pairs));
  for (std::int64_t k = 0; k < pairs; ++k) {  // all-vs-all order: (i, i+1..), as verify walks it
    a[static_cast<std::size_t>(k)] = k % t.count;
    b[static_cast<std::size_t>(k)] = (k * 7919 + 1) % t.count;
  }
  std::vector<double> scores(static_cast<std::size_t>(pairs)), gpu(scores.size());
  for (int n : blocks) {
    const int block = t.dim / n;
    auto t0 = std::chrono::steady_clock::now();
    match::pe_miu_scores(t.values.data(), t.values.data(), t.dim, block, a.data(), b.data(), pairs, scores.data());
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("pe_miu device=cpu threads=1 dim=%d blocks=%d pairs=%ld seconds=%.3f per_s=%.0f\n", t.dim, n,
                static_cast<long>(pairs), s, pairs / s);
    {
      // As verify's all-vs-all walks it: each probe's transposed blocks and norms prepared once.
      match::PeMiuComparator c(t.dim, block);
      std::vector<float> tr(t.values.size());
      std::vector<double> norms(static_cast<std::size_t>(t.count));
      for (std::int64_t i = 0; i < t.count; ++i) {
        c.transpose(t.row(i), tr.data() + i * t.dim);
        norms[static_cast<std::size_t>(i)] = c.norm(t.row(i));
      }
      t0 = std::chrono::steady_clock::now();
      double sum = 0;
      for (std::int64_t k = 0; k < pairs; ++k) {
        auto i = a[static_cast<std::size_t>(k)], j = b[static_cast<std::size_t>(k)];
        sum += c.score_prepared(t.row(i), norms[static_cast<std::size_t>(i)], t.row(j), tr.data() + j * t.dim,
                                norms[static_cast<std::size_t>(j)]);
      }
      s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::printf(
          "pe_miu_prepared device=cpu threads=1 dim=%d blocks=%d pairs=%ld seconds=%.3f per_s=%.0f checksum=%.6f\n",
          t.dim, n, static_cast<long>(pairs), s, pairs / s, sum);
    }
    if (tile_templates > 0) tiled(t, block, std::min(tile_templates, t.count));
    if (cuda && match::pe_miu_cuda_available()) {
      for (int rep = 0; rep < 2; ++rep) {  // the first includes context start-up
        t0 = std::chrono::steady_clock::now();
        match::pe_miu_scores_cuda(t.values.data(), t.count, t.values.data(), t.count, t.dim, block, a.data(), b.data(),
                                  pairs, gpu.data());
        s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      }
      double max_diff = 0;
      for (std::size_t k = 0; k < scores.size(); ++k) max_diff = std::max(max_diff, std::abs(gpu[k] - scores[k]));
      std::printf("pe_miu device=cuda dim=%d blocks=%d pairs=%ld seconds=%.3f per_s=%.0f max_abs_diff_vs_cpu=%.3g\n",
                  t.dim, n, static_cast<long>(pairs), s, pairs / s, max_diff);
    }
  }
  return 0;
}
