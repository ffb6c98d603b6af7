// irrev unshuffle: how well PE-MIU's block order can be recovered from a protected template
// alone (block-position model + assignment, or the synthesis search), on one templates file
#include "commands.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/pipeline/unshuffle_eval.hpp"
#include "number_options.hpp"

namespace irrev::app {

namespace {
/// The study: which templates, block counts and permutations, and which recovery.
void add_study_options(CLI::App* sub, pipeline::UnshuffleEvalOptions* o) {
  add_value(sub, "--templates", o->templates, "templates.h5 (unprotected)")->required();
  add_value(sub, "--blocks", o->blocks, "Block counts to study")->check(in_range(2, 32))->capture_default_str();
  add_value(sub, "--split-seed", o->split_seed, "Identity split seed (the inverter's default)")->capture_default_str();
  add_value(sub, "--eval-share", o->eval_share, "Share of subjects on the evaluation side")
      ->check(in_range(0.0, 1.0))
      ->capture_default_str();
  add_value(sub, "--uniform", o->uniform, "Uniform PE-MIU permutations per evaluation template")
      ->check(positive())
      ->capture_default_str();
  add_value(sub, "--per-complexity", o->per_complexity, "Permutations per complexity per evaluation template")
      ->check(non_negative())
      ->capture_default_str();
  add_value(sub, "--max-templates", o->max_templates, "At most this many evaluation subjects (0: all)")
      ->check(non_negative());
  add_value(sub, "--seed", o->seed, "Key of the permutations' draws")->capture_default_str();
  add_enum_option(sub, "--method", o->method,
                  "diagonal or full (the block-position model alone), joint (one Gaussian over the whole "
                  "template: the correlations between blocks), synthesis (the full model's K most likely orders, "
                  "inverted and re-embedded)");
  sub->add_flag_callback(
         "--full-covariance", [o] { o->method = attack::UnshuffleModel::full; }, "The same as --method full")
      ->excludes("--method");
  add_value(sub, "--joint-beam", o->joint_beam, "Joint: the beam search's width over positions beyond 8 blocks")
      ->check(positive())
      ->capture_default_str();
}

/// The synthesis search (--method synthesis): the networks, the search's shape, its controls
/// and its checkpoint.
void add_synthesis_options(CLI::App* sub, pipeline::UnshuffleEvalOptions* o) {
  add_value(sub, "--inverter", o->inverter, "Synthesis: inverter.pt, trained through --extractor");
  add_value(sub, "--extractor", o->extractor, "Synthesis: the extractor (.pt) that made --templates");
  add_setting_option(sub, "device", o->device, "Synthesis: cpu, cuda or cuda:N");
  add_enum_option(sub, "--precision", o->precision, "Synthesis: the forward pass's precision (as irrev attack)");
  add_value(sub, "--batch", o->batch, "Synthesis: candidates per forward pass")
      ->check(positive())
      ->capture_default_str();
  add_enum_option(sub, "--proposals", o->proposals,
                  "Synthesis: whose most likely orders the search starts from, joint (the whole template) or full");
  add_value(sub, "--candidates", o->candidates, "Synthesis: the model's K most likely orders per template")
      ->check(positive())
      ->capture_default_str();
  add_value(sub, "--chunk", o->chunk,
            "Synthesis: where --candidates >= n! (every order), orders per work unit (a template's search "
            "spreads over the ranks)")
      ->check(positive())
      ->capture_default_str();
  add_value(sub, "--search-group", o->search_group,
            "Synthesis: templates searched together, their candidates sharing forward batches (1: each "
            "template's alone; batches are padded to --batch, so a group fills them)")
      ->check(positive())
      ->capture_default_str();
  add_value(sub, "--exchange-rounds", o->exchange_rounds,
            "Synthesis: then rounds of hill climbing over exchanges of two blocks (n(n-1)/2 candidates each)")
      ->check(non_negative())
      ->capture_default_str();
  add_value(sub, "--climb-starts", o->climb_starts,
            "Synthesis: climb from this many of the model's candidates (those whose faces re-embed closest)")
      ->check(positive())
      ->capture_default_str();
  add_value(sub, "--thresholds", o->thresholds,
            "Synthesis: verify.h5 of the extractor: the unshuffled attack's RSR with each method's orders");
  add_value(sub, "--fit-templates", o->fit_templates,
            "Synthesis: validation identities' templates the combining weight is fitted on")
      ->check(non_negative())
      ->capture_default_str();
  sub->add_flag("--identical-blocks", o->identical_blocks,
                "Control: fit the models on training templates whose blocks are in random orders (all positions "
                "alike), so that only synthesis can tell an order");
  add_value(sub, "--checkpoint", o->checkpoint,
            "Synthesis and joint: the search's checkpoint (default: OUT.checkpoint.h5 with --out); the same command "
            "resumes from it");
  add_value(sub, "--checkpoint-seconds", o->checkpoint_seconds, "Synthesis and joint: seconds between checkpoints")
      ->check(non_negative())
      ->capture_default_str();
  sub->add_flag("--untrained-inverter", o->untrained_inverter,
                "Synthesis control: the inverter's architecture with freshly initialised (seeded) weights");
}
}  // namespace

Command add_unshuffle(CLI::App& app, const GlobalOptions& /*g*/) {
  auto* sub = app.add_subcommand("unshuffle", "Recover PE-MIU block orders without a second sample, and measure it");
  auto o = std::make_shared<pipeline::UnshuffleEvalOptions>();
  add_study_options(sub, o.get());
  add_value(sub, "--out", o->out, "unshuffle.h5: every evaluation template's recovered placement per method");
  add_synthesis_options(sub, o.get());
  return {sub, [o](const dist::Communicator& comm) {
            const auto r = pipeline::run_unshuffle_eval(*o, comm);
            print_master(comm, r.json);
            return r.complete ? kExitDone : kExitResumable;  // stopped by a signal, its search saved
          }};
}

}  // namespace irrev::app
