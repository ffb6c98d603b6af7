// PE-MIU comparisons per second on one core (and on the GPU where the build and machine have
// one), on real templates: one line per block count.
//   pe_miu_throughput --templates templates.h5 [--blocks 8 32] [--pairs 200000] [--cuda]
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "irrev/data/template_set.hpp"
#include "irrev/match/pe_miu_compare.hpp"

int main(int argc, char** argv) {
  using namespace irrev;
  CLI::App app{"PE-MIU comparison throughput"};
  std::string path;
  std::vector<int> blocks{8, 16, 32};
  std::int64_t pairs = 200000;
  bool cuda = false;
  app.add_option("--templates", path)->required();
  app.add_option("--blocks", blocks, "block counts n");
  app.add_option("--pairs", pairs, "comparisons per configuration");
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
