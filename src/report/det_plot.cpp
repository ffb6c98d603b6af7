#include "det_plot.hpp"

#include <fmt/format.h>
#include <cerrno>

#include <cmath>
#include <fstream>
#include <vector>

#include "irrev/core/error.hpp"
#include "irrev/core/gnuplot.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/metrics/error_rates.hpp"
#include "irrev/metrics/score_histogram.hpp"

namespace irrev::report::detail {
namespace fs = std::filesystem;

namespace {

/// DET points (probit FMR, probit FNMR) from a verify.h5's all-vs-all histograms.
void write_det(const fs::path& verify, const fs::path& dat, std::vector<std::string>& titles) {
  h5::File f(verify.string(), h5::File::Mode::read);
  std::ofstream out(dat);
  for (const char* prot : {"unprotected", "128", "64", "32", "16", "8"}) {
    const std::string g = std::string("all_vs_all/") + prot;
    if (!f.has(g + "/histogram_genuine")) continue;
    auto gen = f.read<std::int64_t>(g + "/histogram_genuine"), imp = f.read<std::int64_t>(g + "/histogram_impostor");
    const auto h = metrics::ScoreHistogram::from_counts(-1, 1, {gen.begin(), gen.end()}, {imp.begin(), imp.end()});
    out << "# " << prot << "\n";
    double last_x = 1e9;
    for (const auto& p : h.det()) {
      const double x = metrics::probit(p.fmr), y = metrics::probit(p.fnmr);
      if (p.fmr > 0 && p.fnmr > 0 && p.fmr < 1 && p.fnmr < 1 && std::fabs(x - last_x) > 0.01) {
        out << x << " " << y << "\n";
        last_x = x;
      }
    }
    out << "\n\n";
    std::string t = prot;
    titles.push_back(t == "unprotected" ? t : "PE-MIU, " + t + " values per block");
  }
  out.close();
  IRREV_SYSTEM_CHECK(!out.fail(), "cannot write '{}': {}", dat.string(), errno_text(errno));
}

/// Probit tics labelled in percent.
constexpr const char* kProbitTics =
    "(\"0.01%%\" -3.719, \"0.1%%\" -3.090, \"1%%\" -2.326, \"5%%\" -1.645, \"20%%\" -0.842, \"50%%\" 0)";

}  // namespace

void plot_det(const fs::path& verify, const fs::path& dat, const fs::path& png, const std::string& ext) {
  std::vector<std::string> titles;
  write_det(verify, dat, titles);
  std::string plots;
  for (std::size_t i = 0; i < titles.size(); ++i)
    plots += fmt::format("{}'{}' index {} with lines lw 2 title '{}'", i ? ", " : "", dat.string(), i, titles[i]);
  render_gnuplot(fmt::format(R"GP(set terminal pngcairo noenhanced size 800,700 font ",11"
set output '{}'
set title "DET, all-vs-all LFW pairs: {} (PE-MIU: reference protected)"
set xlabel 'FMR (false match rate)'
set ylabel 'FNMR (false non-match rate)'
set xtics {}
set ytics {}
set xrange [-4:0.5]
set yrange [-4:0.5]
set grid
set key bottom left
plot {}
)GP",
                             png.string(), ext, fmt::format(kProbitTics), fmt::format(kProbitTics), plots),
                 png.string());
}

}  // namespace irrev::report::detail
