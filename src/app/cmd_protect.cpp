// irrev protect: PE-MIU protection of a template set
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/pipeline/protect_stage.hpp"

namespace irrev::app {

Command add_protect(CLI::App& app, const GlobalOptions& /*g*/) {
  auto* sub = app.add_subcommand("protect", "Protect templates with PE-MIU (keyed block shuffling)");
  auto o = std::make_shared<pipeline::ProtectOptions>();
  sub->add_option("--templates", o->templates, "templates.h5 from 'irrev embed'")->required();
  sub->add_option("--block", o->block, "Values per block (must divide D)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--seed", o->seed, "Key of the permutations")->capture_default_str();
  sub->add_option("--out", o->out, "Output protected.h5")->required();
  return {sub, [o](const dist::Communicator& comm) {
            if (!comm.is_master()) return 0;
            auto n = pipeline::run_protect(*o);
            print_master(comm, nlohmann::json{{"templates", n}, {"block", o->block}, {"out", o->out}}.dump());
            return 0;
          }};
}

}  // namespace irrev::app
