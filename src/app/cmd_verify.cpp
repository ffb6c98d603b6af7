// irrev verify: verification accuracy and error rates of a template set
#include <fstream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/paths.hpp"
#include "irrev/core/text_file.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/pipeline/verify_lfw.hpp"
#include "irrev/pipeline/verify_pe_miu.hpp"
#include "number_options.hpp"

namespace irrev::app {

Command add_verify(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("verify",
                                 "lfw-view2: the LFW 10-fold accuracy; error-rates: EER, FNMR at FMR and thresholds of "
                                 "unprotected and PE-MIU templates on the View 2 pairs and all-vs-all");
  auto templates = std::make_shared<std::string>();
  auto protocol = std::make_shared<pipeline::VerifyProtocol>(pipeline::VerifyProtocol::lfw_view2);
  auto json = std::make_shared<bool>(false);
  auto o = std::make_shared<pipeline::VerifyOptions>();
  auto csv = std::make_shared<std::string>();
  add_value(sub, "--templates", *templates, "templates.h5 from 'irrev embed'")->required();
  add_enum_option(sub, "--protocol", *protocol, "lfw-view2 or error-rates");
  add_settings_options(sub, o->settings);
  add_value(sub, "--bins", o->bins, "error-rates: all-vs-all histogram bins over [-1, 1]")
      ->check(in_range(2, 100000000))
      ->capture_default_str();
  add_value(sub, "--limit", o->limit, "error-rates: all-vs-all over the first N templates (0: all)")
      ->check(non_negative());
  add_value(sub, "--unit-rows", o->unit_rows,
            "error-rates: templates per all-vs-all work unit (each with its pairs to every later template)")
      ->check(positive());
  add_value(sub, "--out", o->out, "error-rates: write histograms and the table to this HDF5 file");
  add_value(sub, "--scores", o->scores_dir, "error-rates: write the View 2 scores as text files here");
  add_value(sub, "--csv", *csv, "error-rates: write the table as CSV to this file");
  sub->add_flag("--json", *json, "Print JSON on stdout");
  return {sub, [templates, protocol, json, o, csv, &g](const dist::Communicator& comm) {
            if (*protocol == pipeline::VerifyProtocol::error_rates) {
              // Refused before the work: an output that cannot be written, an option that would do nothing.
              IRREV_CHECK(o->scores_dir.empty() || o->settings.pairs != pipeline::PairSet::all_vs_all,
                          "--scores writes the LFW View 2 pairs' scores, and --pairs all-vs-all scores no View 2 "
                          "pair: give --pairs both (or lfw-view2), or leave out --scores");
              if (comm.is_master()) {
                if (!csv->empty()) require_output_file(*csv, "verify table (--csv)");
                if (!o->scores_dir.empty()) require_output_folder(o->scores_dir, "score files (--scores)");
              }
              o->templates = *templates;
              o->progress = !g.no_progress;
              auto rows = pipeline::run_verify(comm, *o);
              if (!comm.is_master()) return 0;
              if (!csv->empty()) {
                write_text_file(*csv, pipeline::verify_table_csv(rows), "verify table (--csv)");
              }
              print_master(comm, *json ? pipeline::verify_table(rows).dump() : pipeline::verify_table_csv(rows));
              return 0;
            }
            if (!comm.is_master()) return 0;
            auto set = data::read_template_set(*templates);
            auto r = pipeline::verify_lfw_view2(set);
            if (*json) {
              print_master(comm, pipeline::lfw_accuracy_json(r));
            } else {
              for (const auto& f : r.folds)
                print_master(comm, fmt::format("fold {:2}  accuracy {:.4f}  threshold {:.4f}", f.fold + 1, f.accuracy,
                                               f.threshold));
              print_master(comm, fmt::format("LFW 10-fold accuracy {:.4f} +- {:.4f}", r.mean, r.std));
            }
            return 0;
          }};
}

}  // namespace irrev::app
