// irrev unshuffle: how well PE-MIU's block order can be recovered from a protected template
// alone (block-position model + assignment), on one templates file
#include "commands.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/pipeline/unshuffle_eval.hpp"

namespace irrev::app {

Command add_unshuffle(CLI::App& app, const GlobalOptions& /*g*/) {
  auto* sub = app.add_subcommand("unshuffle", "Recover PE-MIU block orders without a second sample, and measure it");
  auto o = std::make_shared<pipeline::UnshuffleEvalOptions>();
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
  sub->add_flag("--full-covariance", o->full_covariance,
                "Learn how each position's values vary together (b x b per position), not only their spreads");
  return {sub, [o](const dist::Communicator& comm) {
            std::string out;
            if (comm.is_master()) out = pipeline::run_unshuffle_eval(*o);
            print_master(comm, out);
            return 0;
          }};
}

}  // namespace irrev::app
