// irrev attack: the distributed inversion attack over a permutation plan
#include <cstdio>

#include "commands.hpp"
#include "irrev/attack/attack_pipeline.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/dist/stop_signal.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/pipeline/attack_stage.hpp"
#include "number_options.hpp"

namespace irrev::app {

Command add_attack(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("attack", "Invert PE-MIU protected templates over a permutation plan (the main job)");
  auto o = std::make_shared<pipeline::AttackOptions>();
  add_value(sub, "--templates", o->templates, "templates.h5 (unprotected)")->required();
  add_value(sub, "--crops", o->crops, "crops.h5 of the same images")->required();
  add_value(sub, "--extractor", o->extractor, "The extractor (.pt) that made the templates")->required();
  add_value(sub, "--inverter", o->inverter, "inverter.pt from train-inverter")->required();
  add_value(sub, "--thresholds", o->thresholds, "verify.h5 of the same extractor (error-rates protocol)")->required();
  add_value(sub, "--out", o->out, "attack.h5 to write (its checkpoint goes beside it)")->required();
  add_value(sub, "--split-seed", o->split_seed, "Identity split seed (default: the inverter's own)");
  add_value(sub, "--eval-share", o->eval_share, "Share of subjects on the evaluation side (default: the inverter's)")
      ->check(in_range(0.0, 1.0));
  sub->add_flag("--unshuffle", o->settings.unshuffle,
                "Recover the block order with a block-position model before inverting (no second sample)");
  add_settings_options(sub, o->settings);
  return {sub, [=, &g](const dist::Communicator& comm) {
            o->settings.key_draws();
            models::set_torch_threads(g.threads);
            o->progress = !g.no_progress;
            auto r = pipeline::run_attack(comm, *o);
            print_master(comm, pipeline::outcome_json(r).dump(2));
            // A stalled rank cannot take part in the end of MPI: the results are written, so
            // the job ends here, taking the stalled rank with it.
            if (comm.is_master() && !r.stalled_ranks.empty())
              comm.end_job(r.complete ? kExitDone : kExitResumable,
                           fmt::format("attack: {}; rank(s) {} stopped answering and were given up on (their units "
                                       "were done by the others), so the job ends here",
                                       r.complete ? "complete, and its results are written"
                                                  : "stopped, its state checkpointed (the same command continues)",
                                       fmt::join(r.stalled_ranks, ", ")));
            if (!r.complete && comm.is_master())  // stopped by a signal, its state saved
              std::fprintf(stderr,
                           "irrev: attack: stopped by signal %d; its checkpoint is kept, and the same command "
                           "continues\n",
                           dist::stop_signal());
            return r.complete ? kExitDone : kExitResumable;
          }};
}

Command add_status(CLI::App& app, const GlobalOptions&) {
  auto* sub = app.add_subcommand("status", "State of the attacks in a run folder (running, resumable or complete)");
  auto dir = std::make_shared<std::string>();
  sub->add_option("run_dir", *dir, "The run folder")->required();
  return {sub, [dir](const dist::Communicator& comm) {
            print_master(comm, pipeline::attack_status_json(*dir));
            return 0;
          }};
}

}  // namespace irrev::app
