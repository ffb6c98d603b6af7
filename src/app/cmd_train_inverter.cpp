// irrev train-inverter: the attacker's face-reconstruction network
#include <fstream>
#include <sstream>

#include "commands.hpp"
#include "irrev/core/error.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/pipeline/train_inverter.hpp"
#include "number_options.hpp"

namespace irrev::app {

Command add_train_inverter(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("train-inverter", "Train the inversion network on training identities");
  auto o = std::make_shared<pipeline::TrainInverterOptions>();
  auto preset = std::make_shared<models::InverterPreset>(models::InverterPreset::quick_cpu);
  auto config_file = std::make_shared<std::string>();
  auto trainers = std::make_shared<int>(1);
  add_value(sub, "--crops", o->crops, "crops.h5")->required();
  add_value(sub, "--templates", o->templates, "templates.h5 of those crops")->required();
  add_value(sub, "--extractor", o->extractor, "The extractor (.pt) the templates came from")->required();
  add_value(sub, "--out", o->out_dir, "Output folder (inverter.pt, checkpoint/, samples/, losses.csv)")->required();
  add_value(sub, "--thresholds", o->thresholds, "verify.h5 giving the FMR thresholds for the final RSR");
  auto separate = std::make_shared<bool>(false);
  sub->add_flag("--all-identities", *separate,
                "Train on every identity (a collection of its own; eval_share 0) and evaluate on --eval-templates");
  add_value(sub, "--eval-templates", o->eval_templates, "With --all-identities: the evaluation set's templates.h5");
  add_value(sub, "--eval-crops", o->eval_crops, "With --all-identities: the evaluation set's crops.h5");
  add_enum_option(sub, "--preset", *preset, "quick-cpu or reference (the study's generator and schedule)");
  add_value(sub, "--config", *config_file, "A JSON configuration (as inverter.pt records it) instead of a preset");
  add_value(sub, "--checkpoint-every", o->checkpoint_every, "Checkpoint after every this many epochs")
      ->check(positive())
      ->capture_default_str();
  auto overrides = std::make_shared<SettingsOverrides<models::InverterTrainingConfig>>(sub);
  add_value(sub, "--trainers", *trainers,
            "Ranks that train data-parallel (under mpiexec; rank 0 waits, and the waiting ranks' cores become "
            "the trainers' threads)")
      ->check(positive())
      ->capture_default_str();
  return {sub, [=, &g](const dist::Communicator& comm) {
            models::set_torch_threads(g.threads);
            if (!config_file->empty()) {
              std::ifstream f(*config_file);
              IRREV_CHECK(f.good(), "configuration '{}' cannot be read", *config_file);
              std::stringstream ss;
              ss << f.rdbuf();
              o->config = models::InverterTrainingConfig::parse(ss.str(), *config_file);
            } else {
              o->config = models::InverterTrainingConfig::from_preset(*preset);
            }
            overrides->apply(o->config);
            if (*separate) o->config.eval_share = 0;
            o->progress = !g.no_progress;
            const auto summary = pipeline::train_inverter_on_ranks(comm, *o, *trainers);
            print_master(comm, nlohmann::json(summary).dump(2));
            return 0;
          }};
}

}  // namespace irrev::app
