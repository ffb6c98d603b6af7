// irrev train-inverter: the attacker's face-reconstruction network
#include <fstream>
#include <sstream>

#include "commands.hpp"
#include "irrev/core/error.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/pipeline/train_inverter.hpp"

namespace irrev::app {

Command add_train_inverter(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("train-inverter", "Train the inversion network on training identities");
  auto o = std::make_shared<pipeline::TrainInverterOptions>();
  auto preset = std::make_shared<std::string>("quick-cpu");
  auto config_file = std::make_shared<std::string>();
  auto c = std::make_shared<models::InverterTrainingConfig>();
  auto epochs = std::make_shared<int>(0);
  auto minutes = std::make_shared<double>(-1);
  auto device = std::make_shared<std::string>();
  auto id_loss = std::make_shared<std::string>();
  auto id_weight = std::make_shared<double>(-1);
  auto shift = std::make_shared<int>(-1);
  auto bf16 = std::make_shared<bool>(false);
  auto trainers = std::make_shared<int>(1);
  sub->add_option("--crops", o->crops, "crops.h5")->required();
  sub->add_option("--templates", o->templates, "templates.h5 of those crops")->required();
  sub->add_option("--extractor", o->extractor, "The extractor (.pt) the templates came from")->required();
  sub->add_option("--out", o->out_dir, "Output folder (inverter.pt, checkpoint/, samples/, losses.csv)")->required();
  sub->add_option("--thresholds", o->thresholds, "verify.h5 giving the FMR thresholds for the final RSR");
  auto separate = std::make_shared<bool>(false);
  sub->add_flag("--all-identities", *separate,
                "Train on every identity (a collection of its own; eval_share 0) and evaluate on --eval-templates");
  sub->add_option("--eval-templates", o->eval_templates, "With --all-identities: the evaluation set's templates.h5");
  sub->add_option("--eval-crops", o->eval_crops, "With --all-identities: the evaluation set's crops.h5");
  sub->add_option("--preset", *preset, "quick-cpu or reference (the study's generator and schedule)")
      ->check(CLI::IsMember({"quick-cpu", "reference"}))
      ->capture_default_str();
  sub->add_option("--config", *config_file, "A JSON configuration (as inverter.pt records it) instead of a preset");
  sub->add_option("--epochs", *epochs, "Override the number of epochs")->check(CLI::PositiveNumber);
  sub->add_option("--max-minutes", *minutes,
                  "A safety limit: stop within a few batches of this many minutes, keeping the best so far (0: none)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--checkpoint-every", o->checkpoint_every, "Checkpoint after every this many epochs")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--device", *device, "cpu, cuda or cuda:N");
  sub->add_option("--id-loss", *id_loss, "mse (reference) or cosine")->check(CLI::IsMember(names_of<models::IdLoss>()));
  sub->add_option("--id-weight", *id_weight, "Weight of the identity term (the reference: 0.005 with mse)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--shift", *shift, "Shifted training crops, moved by up to this many pixels (0: none)")
      ->check(CLI::Range(0, 16));
  sub->add_flag("--bf16", *bf16, "bfloat16 autocast");
  sub->add_option("--trainers", *trainers,
                  "Ranks that train data-parallel (under mpiexec; rank 0 waits, and the waiting ranks' cores become "
                  "the trainers' threads)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  return {sub, [=, &g](const dist::Communicator& comm) {
            models::set_torch_threads(g.threads);
            if (!config_file->empty()) {
              std::ifstream f(*config_file);
              IRREV_CHECK(f.good(), "configuration '{}' cannot be read", *config_file);
              std::stringstream ss;
              ss << f.rdbuf();
              o->config = models::InverterTrainingConfig::from_json(ss.str(), *config_file);
            } else {
              o->config = *preset == "quick-cpu" ? models::InverterTrainingConfig::quick_cpu()
                                                 : models::InverterTrainingConfig{};
            }
            if (*epochs > 0) o->config.epochs = *epochs;
            if (*minutes >= 0) o->config.max_minutes = *minutes;
            if (!device->empty()) o->config.device = *device;
            if (!id_loss->empty()) o->config.id_loss = enum_from_name<models::IdLoss>(*id_loss, "--id-loss");
            if (*id_weight >= 0) o->config.id_weight = *id_weight;
            if (*shift >= 0) o->config.shift = *shift;
            if (*bf16) o->config.bf16 = true;
            if (*separate) o->config.eval_share = 0;
            o->progress = !g.no_progress;
            print_master(comm, pipeline::train_inverter_on_ranks(comm, *o, *trainers));
            return 0;
          }};
}

}  // namespace irrev::app
