#include "irrev/report/gnuplot.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "irrev/core/error.hpp"
#include "irrev/core/text_file.hpp"

namespace irrev::report {
namespace fs = std::filesystem;

bool gnuplot_available() { return std::system("command -v gnuplot > /dev/null 2>&1") == 0; }

void render_gnuplot(const std::string& script, const std::string& png) {
  const std::string gp = png + ".gp";
  write_text_file(gp, script, "gnuplot script");
  fs::remove(png);
  const std::string cmd = "gnuplot '" + gp + "' 2> '" + gp + ".log'";
  const int rc = std::system(cmd.c_str());
  IRREV_CHECK(rc == 0 && fs::exists(png) && fs::file_size(png) > 0,
              "gnuplot failed on '{}' (exit {}); its messages are in '{}.log'", gp, rc, gp);
  fs::remove(gp + ".log");
}

void plot_training_curves(const std::string& csv, const std::string& png, const std::string& title) {
  // Columns of losses.csv: epoch, lr, train_loss, val_loss, val_cosine, val_rsr_fmr1, seconds,
  // samples_per_second. The losses on the left axis, how well validation reconstructions are
  // recognised on the right (what the attack needs; the loss may rise while it improves).
  render_gnuplot(fmt::format(R"(set terminal pngcairo noenhanced size 900,560 font ",11"
set output '{}'
set datafile separator ','
set title "{}"
set xlabel 'epoch'
set ylabel 'loss = MSE + 0.1 (1 - SSIM) + w_ID ID  (unitless)'
set y2label 'validation: re-embedded cosine, RSR at FMR 1 %'
set y2range [0:1]
set y2tics
set ytics nomirror
set grid
set key center right
plot '{}' using 1:3 skip 1 with linespoints pt 7 ps 0.6 title 'training loss', \
     '' using 1:4 skip 1 with linespoints pt 5 ps 0.6 title 'validation loss', \
     '' using 1:5 skip 1 axes x1y2 with linespoints pt 9 ps 0.6 title 'validation cosine', \
     '' using 1:6 skip 1 axes x1y2 with linespoints pt 11 ps 0.6 title 'validation RSR (FMR 1 %)'
)",
                             png, title, csv),
                 png);
}

}  // namespace irrev::report
