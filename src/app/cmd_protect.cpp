// irrev protect: PE-MIU protection of a template set
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/pipeline/protect_stage.hpp"
#include "number_options.hpp"

namespace irrev::app {

Command add_protect(CLI::App& app, const GlobalOptions& /*g*/) {
  auto* sub = app.add_subcommand("protect", "Protect templates with PE-MIU (keyed block shuffling)");
  auto o = std::make_shared<pipeline::ProtectOptions>();
  add_value(sub, "--templates", o->templates, "templates.h5 from 'irrev embed'")->required();
  add_value(sub, "--block", o->block, "Values per block (must divide D)")->check(positive())->capture_default_str();
  add_value(sub, "--seed", o->seed, "Key of the permutations")->capture_default_str();
  add_value(sub, "--out", o->out, "Output protected.h5")->required();
  return {sub, [o](const dist::Communicator& comm) {
            if (!comm.is_master()) return 0;
            auto n = pipeline::run_protect(*o);
            print_master(comm, nlohmann::json{{"templates", n}, {"block", o->block}, {"out", o->out}}.dump());
            return 0;
          }};
}

}  // namespace irrev::app
