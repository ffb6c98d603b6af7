// irrev gender: gender prediction by SVMs from unprotected, protected and reconstructed templates
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/pipeline/gender_stage.hpp"

namespace irrev::app {

Command add_gender(CLI::App& app, const GlobalOptions& g) {
  auto* sub =
      app.add_subcommand("gender", "Gender leakage: SVM accuracy on unprotected, PE-MIU and reconstructed templates");
  auto o = std::make_shared<pipeline::GenderOptions>();
  sub->add_option("--templates", o->templates, "templates.h5")->required();
  sub->add_option("--crops", o->crops, "crops.h5 of the same images")->required();
  sub->add_option("--inverter", o->inverter, "inverter.pt: adds the re-embedded reconstructions");
  sub->add_option("--extractor", o->extractor, "The extractor (.pt) that re-embeds them");
  add_setting_option(sub, "device", o->device, "cpu or cuda (reconstructions)");
  add_settings_options(sub, o->settings);
  sub->add_option("--seed", o->seed, "Key of folds, subset and PE-MIU permutations")->capture_default_str();
  sub->add_option("--csv", o->out_csv, "Write the table here (paper_gender_svm.csv's columns)");
  return {sub, [o, &g](const dist::Communicator& comm) {
            models::set_torch_threads(g.threads);
            o->progress = !g.no_progress;
            print_master(comm, nlohmann::json(pipeline::run_gender(comm, *o)).dump(2));
            return 0;
          }};
}

}  // namespace irrev::app
