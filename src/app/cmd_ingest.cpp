// irrev ingest: photographs in LFW layout -> crops.h5
#include "commands.hpp"
#include "irrev/config/job_config.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/pipeline/ingest.hpp"

namespace irrev::app {

Command add_ingest(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("ingest", "Detect, align and crop faces into crops.h5");
  auto o = std::make_shared<pipeline::IngestOptions>();
  auto json = std::make_shared<bool>(false);
  o->models_dir = config::default_models_dir();
  sub->add_option("--images", o->images_dir, "Folder in LFW layout: <Person>/<Person>_NNNN.jpg")
      ->required();
  sub->add_option("--pairs", o->pairs_file, "LFW pairs.txt to resolve to crop rows");
  sub->add_option("--genders", o->genders_dir, "Folder with female_names.txt and male_names.txt");
  sub->add_option("--models", o->models_dir, "Folder with fr_detect.onnx and fr_landmark.onnx")
      ->capture_default_str();
  sub->add_option("--out", o->out, "Output crops.h5")->required();
  sub->add_option("--unit", o->unit_size, "Images per work unit")->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--limit", o->limit, "Only the first N images (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_flag("--json", *json, "Print a JSON summary on stdout");
  return {sub, [o, json, &g](const dist::Communicator& comm) {
            o->progress = !g.no_progress;
            auto s = pipeline::run_ingest(comm, *o);
            if (*json) print_master(comm, s.to_json());
            return 0;
          }};
}

}  // namespace irrev::app
