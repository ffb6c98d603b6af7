// irrev unshuffle: how well PE-MIU's block order can be recovered from a protected template
// alone (block-position model + assignment, or the synthesis search), on one templates file
#include "commands.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/pipeline/unshuffle_eval.hpp"

namespace irrev::app {

namespace {
/// The study: which templates, block counts and permutations, and which recovery.
void add_study_options(CLI::App* sub, pipeline::UnshuffleEvalOptions* o) {
  sub->add_option("--templates", o->templates, "templates.h5 (unprotected)")->required();
  sub->add_option("--blocks", o->blocks, "Block counts to study")->check(CLI::Range(2, 32))->capture_default_str();
  sub->add_option("--split-seed", o->split_seed, "Identity split seed (the inverter's default)")->capture_default_str();
  sub->add_option("--eval-share", o->eval_share, "Share of subjects on the evaluation side")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  sub->add_option("--uniform", o->uniform, "Uniform PE-MIU permutations per evaluation template")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--per-complexity", o->per_complexity, "Permutations per complexity per evaluation template")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--max-templates", o->max_templates, "At most this many evaluation subjects (0: all)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--seed", o->seed, "Key of the permutations' draws")->capture_default_str();
  add_enum_option(sub, "--method", o->method,
                  "diagonal or full (the block-position model alone), joint (one Gaussian over the whole "
                  "template: the correlations between blocks), synthesis (the full model's K most likely orders, "
                  "inverted and re-embedded)");
  sub->add_flag_callback(
         "--full-covariance", [o] { o->method = attack::UnshuffleModel::full; }, "The same as --method full")
      ->excludes("--method");
  sub->add_option("--joint-beam", o->joint_beam, "Joint: the beam search's width over positions beyond 8 blocks")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

/// The synthesis search (--method synthesis): the networks, the search's shape, its controls
/// and its checkpoint.
void add_synthesis_options(CLI::App* sub, pipeline::UnshuffleEvalOptions* o) {
  sub->add_option("--inverter", o->inverter, "Synthesis: inverter.pt, trained through --extractor");
  sub->add_option("--extractor", o->extractor, "Synthesis: the extractor (.pt) that made --templates");
  add_setting_option(sub, "device", o->device, "Synthesis: cpu, cuda or cuda:N");
  add_enum_option(sub, "--precision", o->precision, "Synthesis: the forward pass's precision (as irrev attack)");
  sub->add_option("--batch", o->batch, "Synthesis: candidates per forward pass")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  add_enum_option(sub, "--proposals", o->proposals,
                  "Synthesis: whose most likely orders the search starts from, joint (the whole template) or full");
  sub->add_option("--candidates", o->candidates, "Synthesis: the model's K most likely orders per template")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--chunk", o->chunk,
                  "Synthesis: where --candidates >= n! (every order), orders per work unit (a template's search "
                  "spreads over the ranks)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--search-group", o->search_group,
                  "Synthesis: templates searched together, their candidates sharing forward batches (1: each "
                  "template's alone; batches are padded to --batch, so a group fills them)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--exchange-rounds", o->exchange_rounds,
                  "Synthesis: then rounds of hill climbing over exchanges of two blocks (n(n-1)/2 candidates each)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--climb-starts", o->climb_starts,
                  "Synthesis: climb from this many of the model's candidates (those whose faces re-embed closest)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--thresholds", o->thresholds,
                  "Synthesis: verify.h5 of the extractor: the unshuffled attack's RSR with each method's orders");
  sub->add_option("--fit-templates", o->fit_templates,
                  "Synthesis: validation identities' templates the combining weight is fitted on")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_flag("--identical-blocks", o->identical_blocks,
                "Control: fit the models on training templates whose blocks are in random orders (all positions "
                "alike), so that only synthesis can tell an order");
  sub->add_option("--checkpoint", o->checkpoint,
                  "Synthesis: the search's checkpoint (default: OUT.checkpoint.h5 with --out); the same command "
                  "resumes from it");
  sub->add_option("--checkpoint-seconds", o->checkpoint_seconds, "Synthesis: seconds between checkpoints")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_flag("--untrained-inverter", o->untrained_inverter,
                "Synthesis control: the inverter's architecture with freshly initialised (seeded) weights");
}
}  // namespace

Command add_unshuffle(CLI::App& app, const GlobalOptions& /*g*/) {
  auto* sub = app.add_subcommand("unshuffle", "Recover PE-MIU block orders without a second sample, and measure it");
  auto o = std::make_shared<pipeline::UnshuffleEvalOptions>();
  add_study_options(sub, o.get());
  sub->add_option("--out", o->out, "unshuffle.h5: every evaluation template's recovered placement per method");
  add_synthesis_options(sub, o.get());
  return {sub, [o](const dist::Communicator& comm) {
            const auto r = pipeline::run_unshuffle_eval(*o, comm);
            print_master(comm, r.json);
            return r.complete ? kExitDone : kExitResumable;  // stopped by a signal, its search saved
          }};
}

}  // namespace irrev::app
