// irrev ingest: photographs (LFW layout, a flat folder or a CSV list) -> crops.h5
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "irrev/config/job_config.hpp"
#include "irrev/core/error.hpp"
#include "irrev/data/image_layouts.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/pipeline/ingest.hpp"
#include "number_options.hpp"

namespace irrev::app {

Command add_ingest(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("ingest", "Detect, align and crop faces into crops.h5");
  auto o = std::make_shared<pipeline::IngestOptions>();
  auto json = std::make_shared<bool>(false);
  o->models_dir = config::default_models_dir();
  auto layout = std::make_shared<std::string>("lfw");
  sub->add_option(
      "--images", o->images_dir,
      "Image folder: LFW layout (<Person>/<Person>_NNNN.jpg), a flat folder, or the base of a list's paths");
  add_value(sub, "--layout", *layout, "lfw, flat (every image its own subject) or list (--list)")
      ->check(CLI::IsMember(names_of<data::ImageLayout>()))
      ->capture_default_str();
  add_value(sub, "--list", o->list_file, "The list layout's CSV: path,subject[,gender] per line");
  add_value(sub, "--pairs", o->pairs_file, "LFW pairs.txt to resolve to crop rows");
  add_value(sub, "--genders", o->genders_dir, "Folder with female_names.txt and male_names.txt");
  add_value(sub, "--models", o->models_dir, "Folder with fr_detect.onnx and fr_landmark.onnx")->capture_default_str();
  add_value(sub, "--out", o->out, "Output crops.h5")->required();
  add_settings_options(sub, o->settings);
  // The flag's earlier spelling, kept for existing scripts.
  add_value(sub, "--unit", o->settings.unit_size, "Same as --unit-size")->group("");
  add_value(sub, "--limit", o->limit, "Only the first N images (0: all)")->check(non_negative())->capture_default_str();
  sub->add_flag("--json", *json, "Print a JSON summary on stdout");
  return {sub, [o, json, layout, &g](const dist::Communicator& comm) {
            o->progress = !g.no_progress;
            o->layout = enum_from_name<data::ImageLayout>(*layout, "--layout");
            IRREV_CHECK(
                o->layout == data::ImageLayout::list ? !o->list_file.empty() : !o->images_dir.empty(),
                "irrev ingest: {}",
                o->layout == data::ImageLayout::list ? "--layout list needs --list FILE" : "--images DIR is required");
            IRREV_CHECK(o->list_file.empty() || o->layout == data::ImageLayout::list,
                        "irrev ingest: --list is read with --layout list only");
            auto s = pipeline::run_ingest(comm, *o);
            if (*json) print_master(comm, s.to_json().dump());
            return 0;
          }};
}

}  // namespace irrev::app
