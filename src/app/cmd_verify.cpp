// irrev verify: verification accuracy and error rates of a template set
#include "commands.hpp"
#include "irrev/core/error.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/pipeline/verify_lfw.hpp"

namespace irrev::app {

Command add_verify(CLI::App& app, const GlobalOptions& /*g*/) {
  auto* sub = app.add_subcommand("verify", "Verification accuracy of templates.h5");
  auto templates = std::make_shared<std::string>();
  auto protocol = std::make_shared<std::string>("lfw-view2");
  auto json = std::make_shared<bool>(false);
  sub->add_option("--templates", *templates, "templates.h5 from 'irrev embed'")->required();
  sub->add_option("--protocol", *protocol, "Evaluation protocol")
      ->check(CLI::IsMember({"lfw-view2"}))
      ->capture_default_str();
  sub->add_flag("--json", *json, "Print JSON on stdout");
  return {sub, [templates, json](const dist::Communicator& comm) {
            if (!comm.is_master()) return 0;
            auto set = data::read_template_set(*templates);
            auto r = pipeline::verify_lfw_view2(set);
            if (*json) {
              print_master(comm, pipeline::lfw_accuracy_json(r));
            } else {
              for (const auto& f : r.folds)
                print_master(comm, fmt::format("fold {:2}  accuracy {:.4f}  threshold {:.4f}",
                                               f.fold + 1, f.accuracy, f.threshold));
              print_master(comm, fmt::format("LFW 10-fold accuracy {:.4f} +- {:.4f}", r.mean, r.std));
            }
            return 0;
          }};
}

}  // namespace irrev::app
