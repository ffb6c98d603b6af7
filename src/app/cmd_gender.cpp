// irrev gender: gender prediction by SVMs from unprotected, protected and reconstructed templates
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/pipeline/gender_stage.hpp"
#include "number_options.hpp"

namespace irrev::app {

Command add_gender(CLI::App& app, const GlobalOptions& g) {
  auto* sub =
      app.add_subcommand("gender", "Gender leakage: SVM accuracy on unprotected, PE-MIU and reconstructed templates");
  auto o = std::make_shared<pipeline::GenderOptions>();
  add_value(sub, "--templates", o->templates, "templates.h5")->required();
  add_value(sub, "--crops", o->crops, "crops.h5 of the same images")->required();
  add_value(sub, "--inverter", o->inverter, "inverter.pt: adds the re-embedded reconstructions");
  add_value(sub, "--extractor", o->extractor, "The extractor (.pt) that re-embeds them");
  add_setting_option(sub, "device", o->device, "cpu or cuda (reconstructions)");
  add_settings_options(sub, o->settings);
  add_value(sub, "--seed", o->seed, "Key of folds, subset and PE-MIU permutations")->capture_default_str();
  add_value(sub, "--csv", o->out_csv, "Write the table here (paper_gender_svm.csv's columns)");
  return {sub, [o, &g](const dist::Communicator& comm) {
            models::set_torch_threads(g.threads);
            o->progress = !g.no_progress;
            print_master(comm, nlohmann::json(pipeline::run_gender(comm, *o)).dump(2));
            return 0;
          }};
}

}  // namespace irrev::app
