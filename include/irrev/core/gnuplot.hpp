#pragma once
/// Plots are drawn by gnuplot (Debian's gnuplot-nox, installed by scripts/setup.sh) from data
/// files the engine writes: the engine writes the script, gnuplot renders the PNG. Here, below
/// every stage, because both the training (its curves) and the report draw.
#include <string>

namespace irrev {

/// True when a gnuplot executable is on PATH.
bool gnuplot_available();

/// Write `script` beside `png` (as png + ".gp") and render it; the script must `set output`
/// to `png`. An Error naming the script when gnuplot fails or writes nothing.
void render_gnuplot(const std::string& script, const std::string& png);

}  // namespace irrev
