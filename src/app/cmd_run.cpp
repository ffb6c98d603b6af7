// irrev run: the stages a job file names, skipping those that are up to date
#include "commands.hpp"
#include "irrev/config/job_config.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/pipeline/job_runner.hpp"

namespace irrev::app {

Command add_run(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("run", "Run the stages of a job file (TOML)");
  auto job = std::make_shared<std::string>();
  auto opts = std::make_shared<pipeline::RunOptions>();
  sub->add_option("job", *job, "Job file, e.g. jobs/quickstart.toml")->required();
  sub->add_flag("--force", opts->force, "Rerun stages whose outputs are up to date");
  return {sub, [job, opts, &g](const dist::Communicator& comm) {
            // The whole job file is validated before any stage starts.
            auto config = config::load_job(*job);
            models::set_torch_threads(g.threads);
            opts->progress = !g.no_progress;
            print_master(comm, pipeline::run_job(comm, config, *opts));
            return 0;
          }};
}

}  // namespace irrev::app
