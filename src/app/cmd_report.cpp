// irrev report: the study report of a run folder (Markdown, CSV tables, gnuplot PNGs)
#include "commands.hpp"
#include "irrev/config/job_config.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/report/study_report.hpp"
#include "number_options.hpp"

namespace irrev::app {

Command add_report(CLI::App& app, const GlobalOptions&) {
  auto* sub = app.add_subcommand("report", "Write RUN_DIR/report/report.md with its tables and plots");
  auto o = std::make_shared<report::ReportOptions>();
  sub->add_option("run_dir", o->run_dir, "A run folder of `irrev run`")->required();
  add_value(sub, "--reference", o->reference_dir,
            "The reference study's tables (default: those shipped with irrev); 'none' leaves them out")
      ->capture_default_str();
  add_value(sub, "--compare", o->compare_dir,
            "Another run folder of the same plans (e.g. the plain attack beside --unshuffle): its expected RSR "
            "goes next to this run's");
  return {sub, [o](const dist::Communicator& comm) {
            if (comm.is_master()) print_master(comm, report::write_report(*o));
            return 0;
          }};
}

}  // namespace irrev::app
