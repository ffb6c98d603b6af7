#pragma once
/// `irrev report RUN_DIR`: one Markdown report (RUN_DIR/report/report.md) with a CSV for every
/// table and gnuplot PNGs: the verification table, DET curves, RSR against complexity with
/// confidence bands, the spread of RSR across the permutations of each complexity, the expected
/// RSR under uniform PE-MIU, the gender table, unlinkability, training curves and
/// reconstructions at rising complexity; each table beside the reference study's numbers.
#include <string>

namespace irrev::report {

/// The reference study's published tables as they ship with the project (data/reference_study).
std::string default_reference_dir();

struct ReportOptions {
  std::string run_dir;
  /// The reference study's CSVs; "none" (or empty): no comparison.
  std::string reference_dir = default_reference_dir();
  /// Another run of the same plans (the plain attack beside an unshuffled one, say): its
  /// expected RSR under uniform PE-MIU goes next to this run's; empty: none.
  std::string compare_dir;
};

/// Writes the report; returns its path. An InputError listing every missing stage output.
std::string write_report(const ReportOptions& options);

}  // namespace irrev::report
