#include "irrev/report/study_report.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#ifdef IRREV_WITH_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif
#include <sstream>

#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/metrics/error_rates.hpp"
#include "irrev/models/extractor_info.hpp"
#include "irrev/models/inverter.hpp"
#include "irrev/protect/pe_miu.hpp"
#include "irrev/report/gnuplot.hpp"

namespace irrev::report {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// A CSV file as a Markdown table.
std::string csv_to_markdown(const std::string& csv) {
  std::stringstream in(csv);
  std::string line, out;
  bool first = true;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::string row = "| ";
    for (char c : line) row += c == ',' ? std::string(" | ") : std::string(1, c);
    out += row + " |\n";
    if (first) {
      out += "|";
      for (std::size_t i = 0, n = static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')) + 1; i < n; ++i) out += "---|";
      out += "\n";
      first = false;
    }
  }
  return out;
}

/// The header and the rows of a CSV whose column `column` equals one of `values`.
std::string csv_rows_where(const std::string& csv, const std::string& column, const std::set<std::string>& values) {
  std::stringstream in(csv);
  std::string header, line, out;
  std::getline(in, header);
  std::vector<std::string> names;
  std::stringstream hs(header);
  for (std::string c; std::getline(hs, c, ',');) names.push_back(c);
  const auto at = std::find(names.begin(), names.end(), column) - names.begin();
  out = header + "\n";
  while (std::getline(in, line)) {
    std::stringstream ls(line);
    std::string cell;
    for (long i = 0; i <= at && std::getline(ls, cell, ','); ++i) {
    }
    if (values.count(cell)) out += line + "\n";
  }
  return out;
}

/// DET points (probit FMR, probit FNMR) from a verify.h5's all-vs-all histograms.
void write_det(const fs::path& verify, const fs::path& dat, std::vector<std::string>& titles) {
  h5::File f(verify.string(), h5::File::Mode::read);
  std::ofstream out(dat);
  for (const char* prot : {"unprotected", "128", "64", "32", "16", "8"}) {
    const std::string g = std::string("all_vs_all/") + prot;
    if (!f.has(g + "/histogram_genuine")) continue;
    auto gen = f.read<std::int64_t>(g + "/histogram_genuine"), imp = f.read<std::int64_t>(g + "/histogram_impostor");
    double ng = 0, ni = 0;
    for (auto v : gen) ng += static_cast<double>(v);
    for (auto v : imp) ni += static_cast<double>(v);
    // At the lower edge of bin k: FMR = impostors at or above it, FNMR = genuine below it.
    double gen_below = 0, imp_above = ni;
    out << "# " << prot << "\n";
    double last_x = 1e9;
    for (std::size_t k = 0; k < gen.size(); ++k) {
      const double fmr = imp_above / ni, fnmr = gen_below / ng;
      const double x = metrics::probit(fmr), y = metrics::probit(fnmr);
      if (fmr > 0 && fnmr > 0 && fmr < 1 && fnmr < 1 && std::fabs(x - last_x) > 0.01) {
        out << x << " " << y << "\n";
        last_x = x;
      }
      gen_below += static_cast<double>(gen[k]);
      imp_above -= static_cast<double>(imp[k]);
    }
    out << "\n\n";
    std::string t = prot;
    titles.push_back(t == "unprotected" ? t : "PE-MIU, " + t + " values per block");
  }
}

/// Probit tics labelled in percent.
const char* kProbitTics =
    "(\"0.01%%\" -3.719, \"0.1%%\" -3.090, \"1%%\" -2.326, \"5%%\" -1.645, \"20%%\" -0.842, \"50%%\" 0)";

void plot_det(const fs::path& dat, const std::vector<std::string>& titles, const fs::path& png, const std::string& ext) {
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

/// RSR (percent) against complexity with the 95 % interval as a band, one PNG per plan.
void plot_rsr(const json& rows, const std::string& ext, const std::string& plan, const fs::path& dir,
              std::vector<fs::path>& pngs) {
  const fs::path dat = dir / fmt::format("rsr_{}_{}.dat", ext, plan);
  std::ofstream out(dat);
  int blocks = 0;
  for (const char* type : {"I", "II"})
    for (double fmr : {0.001, 0.01}) {
      out << "# type " << type << " fmr " << fmr << "\n";
      for (const auto& r : rows)
        if (r["extractor"] == ext && r["plan"] == plan && r["type"] == type && r["fmr"].get<double>() == fmr) {
          out << r["complexity"].get<int>() << " " << 100 * r["mean"].get<double>() << " " << 100 * r["ci95"][0].get<double>()
              << " " << 100 * r["ci95"][1].get<double>() << "\n";
          blocks = r["blocks"].get<int>();
        }
      out << "\n\n";
    }
  out.close();
  const fs::path png = dir / fmt::format("rsr_{}_{}.png", ext, plan);
  const std::string d = dat.string();
  render_gnuplot(fmt::format(R"GP(set terminal pngcairo noenhanced size 860,560 font ",11"
set output '{}'
set title "RSR by complexity: {}, {} ({} blocks; mean over permutations, 95 % band)"
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
                             png.string(), ext, plan, blocks, blocks, d),
                 png.string());
  pngs.push_back(png);
}

/// Box plot of the per-permutation type-I RSR within each complexity (from attack.h5).
void plot_spread(const fs::path& attack, const std::string& ext, const fs::path& dir, std::vector<fs::path>& pngs) {
  h5::File f(attack.string(), h5::File::Mode::read);
  auto summary = json::parse(f.attribute("summary_json"));
  std::set<std::string> plans;
  for (const auto& r : summary["rsr"]) plans.insert(r["plan"].get<std::string>());
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
        auto q = [&](double t) { return v[static_cast<std::size_t>(std::lround(t * static_cast<double>(v.size() - 1)))]; };
        out << k + (which ? 0.2 : -0.2) << " " << q(0.25) << " " << v.front() << " " << v.back() << " " << q(0.75) << " "
            << q(0.5) << " " << v.size() << "\n";
      }
      out << "\n\n";
    }
    out.close();
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

#ifdef IRREV_WITH_OPENCV
/// Originals (left column) and their reconstructions from templates protected at rising
/// complexity (one permutation per complexity of the plan with the most blocks), 4 subjects.
fs::path reconstruction_grid(const fs::path& run, const fs::path& work, const std::string& ext, const fs::path& dir) {
  h5::File a((run / ("attack_" + ext + ".h5")).string(), h5::File::Mode::read);
  auto rows = a.read<std::int64_t>("selection/row");
  auto summary = json::parse(a.attribute("summary_json"));
  std::string plan;
  int blocks = 0;
  for (const auto& r : summary["rsr"])
    if (r["blocks"].get<int>() > blocks) {
      blocks = r["blocks"].get<int>();
      plan = r["plan"];
    }
  auto ks = a.read<std::int32_t>("plans/" + plan + "/complexity");
  auto perms = a.read<std::uint8_t>("plans/" + plan + "/permutation");
  std::map<int, protect::Permutation> by_k;
  for (std::size_t e = 0; e < ks.size(); ++e)
    if (!by_k.count(ks[e]))
      by_k[ks[e]] = protect::Permutation(perms.begin() + static_cast<long>(e * static_cast<std::size_t>(blocks)),
                                         perms.begin() + static_cast<long>((e + 1) * static_cast<std::size_t>(blocks)));
  auto set = data::read_template_set((work / ("templates_" + ext + ".h5")).string());
  auto inv = models::Inverter::load((work / ("inverter_" + ext) / "inverter.pt").string(), "cpu");
  h5::File crops((work / "crops.h5").string(), h5::File::Mode::read);
  const auto cd = crops.dims("crops");
  const int side = static_cast<int>(cd[1]), dim = set.dim, s = inv->output_size();
  std::vector<cv::Mat> lines;
  cv::Mat header(24, side * static_cast<int>(by_k.size() + 1), CV_8UC3, cv::Scalar(255, 255, 255));
  cv::putText(header, "original", {4, 17}, cv::FONT_HERSHEY_SIMPLEX, 0.45, {0, 0, 0}, 1);
  int col = 1;
  for (const auto& [k, p] : by_k)
    cv::putText(header, fmt::format("P = {}", k), {col++ * side + 4, 17}, cv::FONT_HERSHEY_SIMPLEX, 0.45, {0, 0, 0}, 1);
  lines.push_back(header);
  for (std::size_t i = 0; i < std::min<std::size_t>(4, rows.size()); ++i) {
    std::vector<cv::Mat> cells;
    cv::Mat original(side, side, CV_8UC3);
    crops.read_rows("crops", h5::Type::u8, static_cast<std::uint64_t>(rows[i]), 1, original.data);
    cells.push_back(original);
    for (const auto& [k, p] : by_k) {
      std::vector<float> z(static_cast<std::size_t>(dim));
      protect::apply_blocks(set.row(rows[i]), dim, dim / blocks, p, z.data());
      auto img = inv->invert(z.data(), 1);  // 3 x s x s RGB in [0, 1]
      cv::Mat m(s, s, CV_8UC3);
      for (int y = 0; y < s; ++y)
        for (int x = 0; x < s; ++x)
          for (int c = 0; c < 3; ++c)
            m.at<cv::Vec3b>(y, x)[2 - c] = cv::saturate_cast<std::uint8_t>(255.f * img[static_cast<std::size_t>((c * s + y) * s + x)]);
      cv::Mat big;
      cv::resize(m, big, {side, side}, 0, 0, cv::INTER_LINEAR);
      cells.push_back(big);
    }
    cv::Mat line;
    cv::hconcat(cells, line);
    lines.push_back(line);
  }
  cv::Mat grid;
  cv::vconcat(lines, grid);
  const fs::path png = dir / ("reconstructions_" + ext + ".png");
  IRREV_CHECK(cv::imwrite(png.string(), grid), "cannot write '{}'", png.string());
  return png;
}
#else
/// Without OpenCV the report leaves the grid out (and says so).
fs::path reconstruction_grid(const fs::path&, const fs::path&, const std::string& ext, const fs::path&) {
  spdlog::warn("report: this build has no OpenCV, so no reconstructions_{}.png", ext);
  return {};
}
#endif

/// This run's expected RSR under uniform PE-MIU next to another run's, for the rows (plan,
/// type, FMR) both have.
std::string compare_expected(const json& summary, const std::string& other_dir, const std::string& e,
                             const std::string& mode) {
  const fs::path other_path = fs::path(other_dir) / "summary.json";
  IRREV_CHECK(fs::is_regular_file(other_path), "--compare: '{}' has no summary.json (not a finished `irrev run`)",
              other_dir);
  const auto other = json::parse(read_text(other_path));
  std::string other_mode = "plain";
  if (other["job"].contains("attack") && other["job"]["attack"].contains(e))
    other_mode = other["job"]["attack"][e].value("mode", "plain");
  std::string rows;
  for (const auto& x : summary["expected_rsr_uniform"]) {
    if (x["extractor"] != e) continue;
    for (const auto& y : other["expected_rsr_uniform"])
      if (y["extractor"] == e && y["plan"] == x["plan"] && y["type"] == x["type"] && y["fmr"] == x["fmr"])
        rows += fmt::format("| {} | {} | {} % | {:.2f} % | {:.2f} % |\n", x["plan"].get<std::string>(),
                            x["type"].get<std::string>(), 100 * x["fmr"].get<double>(), 100 * x["value"].get<double>(),
                            100 * y["value"].get<double>());
  }
  IRREV_CHECK(!rows.empty(), "--compare: '{}' has no expected RSR of {} for the plans of this run", other_dir, e);
  return fmt::format("Expected RSR under uniform PE-MIU, this run ({}) and `{}` ({}):\n\n| plan | type | FMR | this "
                     "run | other run |\n|---|---|---|---|---|\n{}\n",
                     mode, other_dir, other_mode, rows);
}

}  // namespace

std::string write_report(const ReportOptions& o) {
  const fs::path run(o.run_dir);
  std::vector<std::string> missing;
  IRREV_CHECK(fs::is_regular_file(run / "summary.json"),
              "'{}' has no summary.json: it is not the folder of a finished `irrev run` (missing stages: all)", o.run_dir);
  auto summary = json::parse(read_text(run / "summary.json"));
  const auto& job = summary["job"];
  const fs::path work(job.value("work_dir", o.run_dir));
  std::vector<std::string> extractors;
  if (job.contains("extractors"))
    for (const auto& [name, _] : job["extractors"].items()) extractors.push_back(name);
  if (extractors.empty()) missing.push_back("embed (no extractor in summary.json)");
  for (const auto& e : extractors) {
    if (!fs::exists(work / ("verify_" + e + ".h5"))) missing.push_back("verify (verify_" + e + ".h5)");
    if (!fs::exists(work / ("inverter_" + e) / "inverter.pt")) missing.push_back("train-inverter (inverter_" + e + "/inverter.pt)");
    if (!fs::exists(run / ("attack_" + e + ".h5"))) missing.push_back("attack (attack_" + e + ".h5)");
    // Gender is part of the report where the job asked for it (jobs/unshuffle.toml does not).
    if (job.contains("gender") && !fs::exists(run / ("gender_" + e + ".csv")))
      missing.push_back("gender (gender_" + e + ".csv)");
  }
  IRREV_CHECK(missing.empty(), "cannot report on '{}': missing stages: {}", o.run_dir, fmt::join(missing, "; "));
  IRREV_CHECK(gnuplot_available(), "irrev report draws its plots with gnuplot, which is not installed (scripts/setup.sh installs it)");

  const fs::path dir = run / "report";
  fs::create_directories(dir);
  std::string md = "# irrev study report\n\n";
  md += fmt::format("Run folder `{}`; job `{}`; status {}.\n\n", o.run_dir, job.value("job", ""), summary.value("status", ""));
  md += "Deployment differences from the reference study (Osorio-Roig et al., WIFS 2023): extractors fr_feature (512-D) "
        "and mobilefacenet-128 stand in for ArcFace and ElasticFace; the inverter is trained on LFW identities disjoint "
        "from the evaluation identities (no FFHQ); thresholds come from all-vs-all LFW impostor scores, not 3,000 View 2 pairs.\n\n";

  for (const auto& e : extractors) {
    md += fmt::format("## {}\n\n", e);
    // Verification.
    const std::string vcsv = read_text(work / ("verify_" + e + ".csv"));
    fs::copy_file(work / ("verify_" + e + ".csv"), dir / ("verify_" + e + ".csv"), fs::copy_options::overwrite_existing);
    md += "### Verification (EER, FNMR at FMR, thresholds; D_sys = unlinkability on View 2 mated pairs)\n\n" +
          csv_to_markdown(vcsv) + "\n";
    std::vector<std::string> titles;
    write_det(work / ("verify_" + e + ".h5"), dir / ("det_" + e + ".dat"), titles);
    plot_det(dir / ("det_" + e + ".dat"), titles, dir / ("det_" + e + ".png"), e);
    md += fmt::format("![DET {}](det_{}.png)\n\n", e, e);
    // Attack.
    const auto& a = job["attack"][e];
    md += fmt::format("### Attack\n\n{} templates ({} female, {} male; {} with a second image for type II), thresholds "
                      "{:.4f} / {:.4f} at FMR 0.1 % / 1 % from {}; {} ranks on {}, {} precision; {} samples in {:.0f} s "
                      "({:.1f}/s).\n\n",
                      a["templates"].get<int>(), a["female"].get<int>(), a["male"].get<int>(),
                      a["templates_with_second_image"].get<int>(), a["thresholds"]["fmr0.001"].get<double>(),
                      a["thresholds"]["fmr0.01"].get<double>(), a["thresholds"]["source"].get<std::string>(),
                      a["ranks"].get<int>(), a["device"].get<std::string>(), a["precision"].get<std::string>(),
                      a["samples"].get<std::int64_t>(), a["seconds"].get<double>(), a["samples_per_second"].get<double>());
    std::set<std::string> plans;
    for (const auto& r : summary["rsr"])
      if (r["extractor"] == e) plans.insert(r["plan"].get<std::string>());
    std::vector<fs::path> pngs;
    for (const auto& p : plans) plot_rsr(summary["rsr"], e, p, dir, pngs);
    plot_spread(run / ("attack_" + e + ".h5"), e, dir, pngs);
    for (const auto& p : pngs) md += fmt::format("![{}]({})\n\n", p.stem().string(), p.filename().string());
    md += "Expected RSR under uniform PE-MIU (sum over k of N(n,k)/n! RSR_k):\n\n| plan | type | FMR | RSR |\n|---|---|---|---|\n";
    for (const auto& x : summary["expected_rsr_uniform"])
      if (x["extractor"] == e)
        md += fmt::format("| {} | {} | {} % | {:.2f} % |\n", x["plan"].get<std::string>(), x["type"].get<std::string>(),
                          100 * x["fmr"].get<double>(), 100 * x["value"].get<double>());
    md += fmt::format("\nAttack mode: {}.\n\n", a.value("mode", "plain"));
    if (!o.compare_dir.empty()) md += compare_expected(summary, o.compare_dir, e, a.value("mode", "plain"));
    std::string recovery;
    if (summary.contains("recovery"))
      for (const auto& x : summary["recovery"])
        if (x["extractor"] == e)
          recovery += fmt::format("| {} | {:.3f} [{:.3f}, {:.3f}]{} | {:.3f} | {:.3f} | {:.2f} |\n", x["plan"].get<std::string>(),
                                  x["position_accuracy"].get<double>(), x["position_accuracy_ci95"][0].get<double>(),
                                  x["position_accuracy_ci95"][1].get<double>(),
                                  x["chance_level"].get<bool>() ? " (chance)" : "", x["chance"].get<double>(),
                                  x["exact_permutation_rate"].get<double>(), x["mean_displaced_after"].get<double>());
    if (!recovery.empty())
      md += "Block-order recovery on the attacked templates (uniform PE-MIU permutations):\n\n| plan | position accuracy "
            "[95 %] | chance | exact permutation | blocks still displaced |\n|---|---|---|---|---|\n" + recovery + "\n";
    // The targeted attack (irrev attack --targeted K): who is selected, and how often it works.
    std::string targeted;
    auto pct = [](const json& v) { return v.is_number() ? fmt::format("{:.1f} %", 100 * v.get<double>()) : std::string("-"); };
    if (summary.contains("targeted"))
      for (const auto& x : summary["targeted"])
        if (x["extractor"] == e)
          targeted += fmt::format("| {} | <= {} | {} | {} | {} | {} |\n", x["plan"].get<std::string>(),
                                  x["max_estimated_complexity"].get<int>(),
                                  x["complexity"].is_string() ? "uniform PE-MIU" : x["complexity"].dump(), pct(x["yield"]),
                                  pct(x["precision_fmr0.001"]), pct(x["precision_fmr0.01"]));
    if (!targeted.empty())
      md += "Targeted attack (templates whose estimated complexity is at most K; yield = share selected, precision = "
            "type-I RSR among them):\n\n| plan | K | true complexity | yield | precision @FMR 0.1 % | @FMR 1 % |\n"
            "|---|---|---|---|---|---|\n" + targeted + "\n";
    {
      std::ofstream ex(dir / ("expected_rsr_" + e + ".csv"));
      ex << "plan,type,fmr,rsr\n";
      for (const auto& x : summary["expected_rsr_uniform"])
        if (x["extractor"] == e)
          ex << fmt::format("{},{},{},{:.6f}\n", x["plan"].get<std::string>(), x["type"].get<std::string>(),
                            x["fmr"].get<double>(), x["value"].get<double>());
    }
    const bool reference = !o.reference_dir.empty() && fs::exists(fs::path(o.reference_dir) / "paper_rsr_by_complexity.csv");
    if (reference) {
      // The reference study cut 512-D templates into blocks of 32, 64, 128 values: the rows of
      // the same block size as each plan here, where one exists.
      std::set<std::string> sizes;
      const int dim = job["extractors"][e]["dim"].get<int>();
      for (const auto& r : summary["rsr"])
        if (r["extractor"] == e) sizes.insert(std::to_string(dim / r["blocks"].get<int>()));
      const auto ref = csv_rows_where(read_text(fs::path(o.reference_dir) / "paper_rsr_by_complexity.csv"), "block_size", sizes);
      if (std::count(ref.begin(), ref.end(), '\n') > 1)
        md += fmt::format("Reference study, same values per block ({}; its block_size is values per block, RSR in %, "
                          "one fixed permutation per complexity, ArcFace/ElasticFace, thresholds from 3,000 View 2 "
                          "impostors):\n\n{}\n",
                          fmt::join(sizes, ", "), csv_to_markdown(ref));
    }
    // Gender.
    if (fs::exists(run / ("gender_" + e + ".csv"))) {
      const std::string gcsv = read_text(run / ("gender_" + e + ".csv"));
      fs::copy_file(run / ("gender_" + e + ".csv"), dir / ("gender_" + e + ".csv"), fs::copy_options::overwrite_existing);
      md += "### Gender prediction (SVM accuracy, 10-fold, gender-balanced; chance 0.5)\n\n" + csv_to_markdown(gcsv) + "\n";
      if (reference) {
        const std::string stand_in = e == "fr_feature" ? "ArcFace" : "ElasticFace";
        md += fmt::format("Reference study, {} (the model {} stands in for here; protection = values per block):\n\n{}\n",
                          stand_in, e,
                          csv_to_markdown(csv_rows_where(read_text(fs::path(o.reference_dir) / "paper_gender_svm.csv"), "model",
                                                         {stand_in})));
      }
    }
    const auto grid = reconstruction_grid(run, work, e, dir);
    if (!grid.empty())
      md += fmt::format("Reconstructions (left: the aligned crop; then the inverter's output for its template protected "
                      "by one permutation of each complexity P):\n\n![reconstructions]({})\n\n",
                      grid.filename().string());
    // Inverter.
    const fs::path inv = work / ("inverter_" + e);
    if (fs::exists(inv / "training_curves.png")) {
      fs::copy_file(inv / "training_curves.png", dir / ("training_curves_" + e + ".png"), fs::copy_options::overwrite_existing);
      md += fmt::format("### Inverter training\n\n![training curves](training_curves_{}.png)\n\n", e);
    }
  }
  if (!o.reference_dir.empty() && fs::exists(fs::path(o.reference_dir) / "paper_rsr_by_complexity.csv")) {
    md += "## The reference study's tables (for comparison)\n\nRSR (%) by complexity, ArcFace and ElasticFace:\n\n" +
          csv_to_markdown(read_text(fs::path(o.reference_dir) / "paper_rsr_by_complexity.csv")) + "\nGender SVM accuracy:\n\n" +
          csv_to_markdown(read_text(fs::path(o.reference_dir) / "paper_gender_svm.csv")) + "\n";
  }
  md += "## How the numbers were obtained\n\n";
  for (const auto& e : extractors) {
    h5::File t((work / ("templates_" + e + ".h5")).string(), h5::File::Mode::read);
    auto x = json::parse(t.attribute("extractor"));
    const fs::path inv = work / ("inverter_" + e) / "inverter.pt";
    const auto& a = job["attack"][e];
    std::set<std::string> plan_names;
    for (const auto& r : a["rsr"]) plan_names.insert(r["plan"].get<std::string>());
    std::string plans;
    for (const auto& p : plan_names) plans += p + " ";
    md += fmt::format("- {}: extractor source `{}` sha256 `{}`; inverter `{}` sha256 `{}` ({}); attack plans {}on {} "
                      "templates, {} ranks, device {}, precision {}, {:.0f} s; thresholds from {} impostor scores ({}).\n",
                      e, x.value("source", ""), x.value("source_sha256", ""), inv.string(), models::sha256_file(inv.string()),
                      job["train_inverter"][e].is_object() ? job["train_inverter"][e].value("kept", "") : "up to date",
                      plans, a["templates"].get<int>(), a["ranks"].get<int>(), a["device"].get<std::string>(),
                      a["precision"].get<std::string>(), a["seconds"].get<double>(),
                      a["thresholds"]["impostor_scores"].get<std::int64_t>(), a["thresholds"]["source"].get<std::string>());
  }
  md += "\n## RSR tables of this run\n\n" + csv_to_markdown(read_text(run / "rsr_detail.csv")) + "\n";
  const fs::path out = dir / "report.md";
  std::ofstream(out) << md;
  return out.string();
}

}  // namespace irrev::report
