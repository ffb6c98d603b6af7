#include "rsr_plots.hpp"

#include <fmt/format.h>
#include <cerrno>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "irrev/core/error.hpp"
#include "irrev/core/gnuplot.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/json_reading.hpp"
#include "irrev/pipeline/attack_settings.hpp"
#include "irrev/pipeline/attack_summary.hpp"

namespace irrev::report::detail {
namespace fs = std::filesystem;
using nlohmann::json;

void plot_rsr(const std::vector<pipeline::RsrRecord>& rows, const std::string& ext, pipeline::AttackMode mode,
              const std::string& plan, const fs::path& dir, std::vector<fs::path>& pngs) {
  const std::string tag = pipeline::attack_tag(ext, mode);
  const fs::path dat = dir / fmt::format("rsr_{}_{}.dat", tag, plan);
  std::ofstream out(dat);
  int blocks = 0;
  for (int type : {1, 2})
    for (double fmr : {0.001, 0.01}) {
      out << "# type " << pipeline::type_name(type) << " fmr " << fmr << "\n";
      for (const auto& [r_ext, r_mode, r_plan, r] : rows)
        if (r_ext == ext && r_mode == mode && r_plan == plan && r.type == type && r.fmr == fmr) {
          out << r.complexity << " " << 100 * r.mean << " " << 100 * r.ci_low << " " << 100 * r.ci_high << "\n";
          blocks = r.blocks;
        }
      out << "\n\n";
    }
  out.close();
  IRREV_SYSTEM_CHECK(!out.fail(), "cannot write '{}': {}", dat.string(), errno_text(errno));
  const fs::path png = dir / fmt::format("rsr_{}_{}.png", tag, plan);
  const std::string d = dat.string();
  render_gnuplot(fmt::format(R"GP(set terminal pngcairo noenhanced size 860,560 font ",11"
set output '{}'
set title "RSR by complexity: {}, {} ({} blocks; {} attack; mean over permutations, 95 % band)"
set xlabel 'permutation complexity (blocks moved)'
set ylabel 'RSR (%)'
set xrange [-0.5:{}.5]
set yrange [0:100]
set xtics 1
set grid
set key top right
set style fill transparent solid 0.15 noborder
plot '{}' index 0 using 1:3:4 with filledcurves lc 1 notitle, '' index 0 using 1:2 with linespoints lc 1 pt 7 lw 2 title 'type I, FMR 0.1 %', \
     '' index 1 using 1:3:4 with filledcurves lc 2 notitle, '' index 1 using 1:2 with linespoints lc 2 pt 7 lw 2 title 'type I, FMR 1 %', \
     '' index 2 using 1:3:4 with filledcurves lc 3 notitle, '' index 2 using 1:2 with linespoints lc 3 pt 5 dt 2 title 'type II, FMR 0.1 %', \
     '' index 3 using 1:3:4 with filledcurves lc 4 notitle, '' index 3 using 1:2 with linespoints lc 4 pt 5 dt 2 title 'type II, FMR 1 %'
)GP",
                             png.string(), ext, plan, blocks, name_of(mode), blocks, d),
                 png.string());
  pngs.push_back(png);
}

void plot_spread(const fs::path& attack, const std::string& ext, const fs::path& dir,
                 std::vector<fs::path>& pngs) {  // ext: the tag
  h5::File f(attack.string(), h5::File::Mode::read);
  std::set<std::string> plans;
  const auto summary = data::json_attribute_as<pipeline::AttackSummary>(f, "summary_json");
  for (const auto& r : summary.rsr) plans.insert(r.plan);
  for (const auto& plan : plans) {
    const std::string g = "plans/" + plan;
    auto ks = f.read<std::int32_t>(g + "/complexity");
    auto rsr = f.read<double>(g + "/rsr");  // 4 x P: type I 0.1 %, type I 1 %, type II 0.1 %, II 1 %
    const std::size_t p = ks.size();
    const fs::path dat = dir / fmt::format("spread_{}_{}.dat", ext, plan);
    std::ofstream out(dat);
    std::size_t most = 0;
    for (int which : {0, 1}) {
      std::map<int, std::vector<double>> by_k;
      for (std::size_t e = 0; e < p; ++e) by_k[ks[e]].push_back(100 * rsr[static_cast<std::size_t>(which) * p + e]);
      out << "# type I fmr " << (which ? "1%" : "0.1%") << "\n";
      for (auto& [k, v] : by_k) {
        std::sort(v.begin(), v.end());
        most = std::max(most, v.size());
        auto q = [&v = v](double t) {
          return v[static_cast<std::size_t>(std::lround(t * static_cast<double>(v.size() - 1)))];
        };
        out << k + (which ? 0.2 : -0.2) << " " << q(0.25) << " " << v.front() << " " << v.back() << " " << q(0.75)
            << " " << q(0.5) << " " << v.size() << "\n";
      }
      out << "\n\n";
    }
    out.close();
    IRREV_SYSTEM_CHECK(!out.fail(), "cannot write '{}': {}", dat.string(), errno_text(errno));
    const fs::path png = dir / fmt::format("spread_{}_{}.png", ext, plan);
    render_gnuplot(fmt::format(R"GP(set terminal pngcairo noenhanced size 860,560 font ",11"
set output '{}'
set title "Type-I RSR per permutation: {}, {} (up to {} per complexity)"
set xlabel 'permutation complexity (blocks moved)'
set ylabel 'RSR (%) of one permutation'
set yrange [0:100]
set xtics 1
set grid
set boxwidth 0.35
set style fill solid 0.3
plot '{}' index 0 using 1:2:3:4:5 with candlesticks whiskerbars lc 1 title 'FMR 0.1 % (box: quartiles, whiskers: min-max)', \
     '' index 0 using 1:6:6:6:6 with candlesticks lc 1 lw 2 notitle, \
     '' index 1 using 1:2:3:4:5 with candlesticks whiskerbars lc 2 title 'FMR 1 %', \
     '' index 1 using 1:6:6:6:6 with candlesticks lc 2 lw 2 notitle
)GP",
                               png.string(), ext, plan, most, dat.string()),
                   png.string());
    pngs.push_back(png);
  }
}

}  // namespace irrev::report::detail
