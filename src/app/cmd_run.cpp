// irrev run: the stages a job file names, skipping those that are up to date
#include <sys/stat.h>
#include <cstdio>

#include <fmt/ranges.h>
#include <filesystem>

#include "commands.hpp"
#include "irrev/config/job_config.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/dist/stop_signal.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/pipeline/run_summary.hpp"
#include "irrev/run/job_runner.hpp"
#include "number_options.hpp"

namespace irrev::app {

Command add_run(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("run", "Run the stages of a job file (TOML)");
  auto job = std::make_shared<std::string>();
  auto run_dir = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto opts = std::make_shared<run::RunOptions>();
  sub->add_option("job", *job, "Job file, e.g. jobs/quickstart.toml")->required();
  add_value(sub, "--run-dir", *run_dir, "Output folder (instead of the job's run.out_dir)");
  sub->add_flag("--force", opts->force, "Rerun stages whose outputs are up to date");
  sub->add_flag("--json", *json, "Print the whole summary as JSON instead of the RSR table");
  return {sub, [=, &g](const dist::Communicator& comm) {
            // The whole job file is validated before any stage starts.
            auto config = config::load_job(*job);
            if (!run_dir->empty()) config.out_dir = *run_dir;
            if (config.share_with_group) ::umask(027);  // before any stage writes
            models::set_torch_threads(g.threads);
            opts->progress = !g.no_progress;
            const auto outcome = run::run_job(comm, config, *opts);
            if (!comm.is_master()) return kExitDone;  // rank 0 decides the job's exit code below
            std::filesystem::create_directories(config.out_dir);
            const std::string table = pipeline::write_run_summary(config.out_dir, outcome.summary);
            print_master(comm, *json || table.empty() ? outcome.summary.dump(2) : table);
            // A stalled rank cannot take part in the end of MPI: end the job, taking it along.
            if (!outcome.stalled_ranks.empty())
              comm.end_job(kExitResumable,
                           fmt::format("run: rank(s) {} stalled and were given up on; what finished is saved, "
                                       "and the same command continues",
                                       fmt::join(outcome.stalled_ranks, ", ")));
            if (outcome.resumable)
              std::fprintf(stderr,
                           "irrev: run: stopped by signal %d during an attack; its checkpoint is kept, and the same "
                           "command continues\n",
                           dist::stop_signal());
            return outcome.resumable ? kExitResumable : kExitDone;
          }};
}

}  // namespace irrev::app
