// irrev: the thin front end. Parse the command line, start MPI, hand over to the library,
// and turn any error into a message and an exit code (aborting every rank: no job hangs).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>

#include "commands.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/dist/communicator.hpp"

namespace irrev::app {

void print_master(const dist::Communicator& comm, const std::string& text) {
  if (!comm.is_master()) return;
  std::fputs(text.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void add_onnx_norm_options(CLI::App& sub, OnnxNormOptions& o) {
  sub.add_option("--name", o.name, "Extractor name stored in its metadata");
  sub.add_option("--channel-order", o.channel_order, "Channel order the network takes")
      ->check(CLI::IsMember({"bgr", "rgb"}))
      ->capture_default_str();
  sub.add_option("--mean", o.mean, "Value(s) subtracted per channel (1 or 3)")
      ->capture_default_str();
  sub.add_option("--std", o.std, "Divisor(s) per channel (1 or 3)")->capture_default_str();
}

models::ExtractorInfo to_extractor_info(const OnnxNormOptions& o) {
  models::ExtractorInfo info;
  info.name = o.name;
  info.channel_order = o.channel_order;
  auto three = [](const std::vector<float>& v, const char* flag) {
    IRREV_CHECK(v.size() == 1 || v.size() == 3, "{} takes 1 or 3 values, got {}", flag, v.size());
    return v.size() == 1 ? std::array<float, 3>{v[0], v[0], v[0]}
                         : std::array<float, 3>{v[0], v[1], v[2]};
  };
  info.mean = three(o.mean, "--mean");
  info.std = three(o.std, "--std");
  info.validate("command line");
  return info;
}

}  // namespace irrev::app

int main(int argc, char** argv) {
  using namespace irrev;
  CLI::App app{"irrev: how reversible are PE-MIU protected face templates?"};
  app.require_subcommand(1);
  app::GlobalOptions g;
  app.add_option("--log-level", g.log_level, "trace, debug, info, warn or error")
      ->capture_default_str();
  app.add_option("--log-dir", g.log_dir, "Also write one log file per rank into this folder");
  app.add_option("--threads", g.threads, "Compute threads per rank")->capture_default_str();
  app.add_flag("--no-progress", g.no_progress, "No progress lines on stderr");

  std::vector<app::Command> commands = {add_ingest(app, g), add_import_onnx(app, g),
                                        add_embed(app, g), add_verify(app, g), add_run(app, g),
                                        add_metrics(app, g), add_plan(app, g), add_protect(app, g),
                                        add_train_inverter(app, g), add_attack(app, g),
                                        add_status(app, g), add_gender(app, g),
                                        add_report(app, g), add_unshuffle(app, g)};
  CLI11_PARSE(app, argc, argv);

  dist::Communicator comm(&argc, &argv);
  try {
    std::string log_file;
    if (!g.log_dir.empty()) {
      std::filesystem::create_directories(g.log_dir);
      log_file = g.log_dir + "/rank" + std::to_string(comm.rank()) + ".log";
    }
    init_logging(comm.rank(), g.log_level, log_file);
    IRREV_CHECK(g.threads > 0, "--threads must be positive, got {}", g.threads);
    for (auto& c : commands) {
      if (c.sub->parsed()) return c.run(comm);
    }
    IRREV_ASSERT(false, "no subcommand ran");
  } catch (const InputError& e) {
    comm.abort(2, e.what());
  } catch (const std::exception& e) {
    comm.abort(3, e.what());
  }
  return 3;
}
