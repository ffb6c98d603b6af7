// irrev embed: crops.h5 + extractor -> templates.h5
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/pipeline/embed.hpp"
#include "number_options.hpp"

namespace irrev::app {

Command add_embed(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("embed", "Embed crops with a face-recognition extractor");
  auto o = std::make_shared<pipeline::EmbedOptions>();
  auto norm = std::make_shared<OnnxNormOptions>();
  auto json = std::make_shared<bool>(false);
  add_value(sub, "--crops", o->crops, "crops.h5 from 'irrev ingest'")->required();
  add_value(sub, "--model", o->model, "Extractor: TorchScript .pt or .onnx")->required();
  add_value(sub, "--out", o->out, "Output templates.h5")->required();
  add_settings_options(sub, o->settings);
  sub->add_flag("--json", *json, "Print a JSON summary on stdout");
  add_onnx_norm_options(*sub, *norm);
  return {sub, [o, norm, json, &g](const dist::Communicator& comm) {
            models::set_torch_threads(g.threads);
            o->progress = !g.no_progress;
            o->onnx_info = to_extractor_info(*norm);
            auto s = pipeline::run_embed(comm, *o);
            if (*json)
              print_master(comm, nlohmann::json{{"templates", s.templates}, {"dim", s.dim}, {"model", s.model}}.dump());
            return 0;
          }};
}

}  // namespace irrev::app
