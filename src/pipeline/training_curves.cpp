#include "irrev/pipeline/training_curves.hpp"

#include <fmt/format.h>

#include "irrev/core/gnuplot.hpp"

namespace irrev::pipeline {

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

}  // namespace irrev::pipeline
