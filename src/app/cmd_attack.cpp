// irrev attack: the distributed inversion attack over a permutation plan
#include "commands.hpp"
#include "irrev/attack/attack_pipeline.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/pipeline/attack_stage.hpp"

namespace irrev::app {

Command add_attack(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("attack", "Invert PE-MIU protected templates over a permutation plan (the main job)");
  auto o = std::make_shared<pipeline::AttackOptions>();
  sub->add_option("--templates", o->templates, "templates.h5 (unprotected)")->required();
  sub->add_option("--crops", o->crops, "crops.h5 of the same images")->required();
  sub->add_option("--extractor", o->extractor, "The extractor (.pt) that made the templates")->required();
  sub->add_option("--inverter", o->inverter, "inverter.pt from train-inverter")->required();
  sub->add_option("--thresholds", o->thresholds, "verify.h5 of the same extractor (error-rates protocol)")->required();
  sub->add_option("--out", o->out, "attack.h5 to write (its checkpoint goes beside it)")->required();
  sub->add_option("--split-seed", o->split_seed, "Identity split seed (default: the inverter's own)");
  sub->add_option("--eval-share", o->eval_share, "Share of subjects on the evaluation side (default: the inverter's)")
      ->check(CLI::Range(0.0, 1.0));
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
              comm.abort(r.complete ? kExitDone : kExitResumable,
                         fmt::format("attack: rank(s) {} stalled and were given up on; the results above are {}",
                                     fmt::join(r.stalled_ranks, ", "), r.complete ? "complete" : "checkpointed"));
            return r.complete ? kExitDone : kExitResumable;  // stopped by a signal, state saved
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
