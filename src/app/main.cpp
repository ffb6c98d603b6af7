// irrev: the thin front end. Parse the command line, start MPI, hand over to the library,
// and turn any error into a message and an exit code (aborting every rank: no job hangs).
#include <CLI/CLI.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "commands.hpp"
#include "irrev/core/cpu_features.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/core/memory_policy.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/dist/stop_signal.hpp"
#include "irrev/dist/work_queue.hpp"
#include "number_options.hpp"

namespace irrev::app {

void print_master(const dist::Communicator& comm, const std::string& text) {
  if (!comm.is_master()) return;
  std::fputs(text.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void add_onnx_norm_options(CLI::App& sub, OnnxNormOptions& o) {
  sub.add_option("--name", o.name, "Extractor name stored in its metadata");
  add_enum_option(&sub, "--channel-order", o.channel_order, "Channel order the network takes");
  sub.add_option("--mean", o.mean, "Value(s) subtracted per channel (1 or 3)")->capture_default_str();
  sub.add_option("--std", o.std, "Divisor(s) per channel (1 or 3)")->capture_default_str();
}

/// Where the ranks run, once on rank 0: across nodes the first thing to check.
void log_placement(const dist::Communicator& comm) {
  const auto hosts = comm.hosts();
  if (!comm.is_master()) return;
  std::vector<std::pair<std::string, std::string>> by_host;  // host, its ranks (first seen first)
  for (std::size_t r = 0; r < hosts.size(); ++r) {
    auto it = std::find_if(by_host.begin(), by_host.end(), [&](const auto& h) { return h.first == hosts[r]; });
    if (it == by_host.end()) it = by_host.insert(by_host.end(), {hosts[r], "ranks"});
    it->second += " " + std::to_string(r);
  }
  std::string text;
  for (const auto& [host, ranks] : by_host) text += fmt::format("{}{} ({})", text.empty() ? "" : ", ", host, ranks);
  spdlog::info("MPI: {} ranks on {} host(s): {}", hosts.size(), by_host.size(), text);
}

models::ExtractorInfo to_extractor_info(const OnnxNormOptions& o) {
  models::ExtractorInfo info;
  info.name = o.name;
  info.channel_order = o.channel_order;
  auto three = [](const std::vector<float>& v, const char* flag) {
    IRREV_CHECK(v.size() == 1 || v.size() == 3, "{} takes 1 or 3 values, got {}", flag, v.size());
    return v.size() == 1 ? std::array<float, 3>{v[0], v[0], v[0]} : std::array<float, 3>{v[0], v[1], v[2]};
  };
  info.mean = three(o.mean, "--mean");
  info.std = three(o.std, "--std");
  info.validate("command line");
  return info;
}

}  // namespace irrev::app

namespace {

/// The first word on the command line that is not a global option or its value: the command.
std::string command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--log-level" || a == "--log-dir" || a == "--threads") {
      ++i;
      continue;
    }
    if (!a.empty() && a[0] == '-') continue;
    return a;
  }
  return {};
}

/// A file-system failure as the system gave it, with the path it concerned.
std::string describe(const std::filesystem::filesystem_error& e) {
  std::string where = e.path1().empty() ? std::string() : " '" + e.path1().string() + "'";
  if (!e.path2().empty()) where += " -> '" + e.path2().string() + "'";
  return fmt::format("file system:{}: {}", where, e.code().message());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace irrev;
  const char* memory_policy = core::keep_freed_memory();  // before the allocations it is for
  CLI::App app{"irrev: how reversible are PE-MIU protected face templates?"};
  app.require_subcommand(1);
  app::GlobalOptions g;
  app.add_option("--log-level", g.log_level, "trace, debug, info, warn or error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_option("--log-dir", g.log_dir, "Also write one log file per rank into this folder");
  app::add_value(&app, "--threads", g.threads, "Compute threads per rank")->check(app::in_range(1, 1024));
  app.add_flag("--no-progress", g.no_progress, "No progress lines on stderr");
  app.add_flag("--share-group", g.share_group,
               "Make outputs readable by the group (files 0640, folders 0750) instead of the owner only: crops, "
               "templates and results are biometric data");

  std::vector<app::Command> commands = {add_ingest(app, g),  add_import_onnx(app, g), add_embed(app, g),
                                        add_verify(app, g),  add_run(app, g),         add_metrics(app, g),
                                        add_plan(app, g),    add_protect(app, g),     add_train_inverter(app, g),
                                        add_attack(app, g),  add_status(app, g),      add_gender(app, g),
                                        add_report(app, g),  add_unshuffle(app, g),   add_devices(app, g),
                                        add_estimate(app, g)};
  // The long commands, which stop at a safe point on SIGTERM / SIGUSR1 (exit 75, resumable).
  for (auto& c : commands)
    for (const char* name : {"ingest", "embed", "verify", "train-inverter", "attack", "unshuffle", "gender", "run"})
      if (c.sub->get_name() == name) c.stoppable = true;
  // Command-line mistakes are bad input (exit 2), like every other.
  const std::string word = command_word(argc, argv);
  std::vector<std::string> names;
  for (const auto& c : commands) names.push_back(c.sub->get_name());
  if (!word.empty() && std::find(names.begin(), names.end(), word) == names.end()) {
    std::fprintf(stderr, "irrev: unknown command '%s'; the commands are: %s (irrev --help says more)\n", word.c_str(),
                 fmt::format("{}", fmt::join(names, ", ")).c_str());
    return kExitBadInput;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "irrev%s: %s (irrev%s --help lists the options)\n", word.empty() ? "" : (" " + word).c_str(),
                 e.what(), word.empty() ? "" : (" " + word).c_str());
    return kExitBadInput;
  }
  // Crops, templates, results and checkpoints are special-category personal data: created for
  // the owner only unless the user shares them with the group.
  ::umask(g.share_group ? 027 : 077);

  dist::Communicator comm(&argc, &argv);
  try {
    std::string log_file;
    if (!g.log_dir.empty()) {
      std::filesystem::create_directories(g.log_dir);
      log_file = g.log_dir + "/rank" + std::to_string(comm.rank()) + ".log";
    }
    init_logging(comm.rank(), g.log_level, log_file);
    spdlog::debug("{}", memory_policy);
    if (comm.size() > 1) app::log_placement(comm);
    if (comm.is_master()) spdlog::info("CPU: {}", describe_cpu());  // what a log's times and precisions came from
    for (auto& c : commands) {
      if (!c.sub->parsed()) continue;
      // SIGTERM and SIGUSR1 (SLURM's warning before a time limit) stop a long command at its
      // next safe point, resumably; the others keep the signals' default action.
      if (c.stoppable) dist::install_stop_handlers();
      const int code = c.run(comm);
      // A rank given up on cannot take part in MPI's end: the job ends here, its result saved.
      if (comm.is_master() && !dist::stalled_ranks().empty())
        comm.end_job(code, fmt::format("{}: done, and its result is saved; rank(s) {} stopped answering and were "
                                       "given up on (their work was done by the others), so the job ends here",
                                       c.sub->get_name(), fmt::join(dist::stalled_ranks(), ", ")));
      return code;
    }
    IRREV_ASSERT(false, "no subcommand ran");
  } catch (const Stopped& e) {
    if (comm.is_master()) std::fprintf(stderr, "irrev: %s\n", e.what());
    return kExitResumable;
  } catch (const RanksStalled& e) {
    comm.end_job(kExitResumable, e.what());
  } catch (const InputError& e) {
    comm.abort(kExitBadInput, e.what());
  } catch (const std::filesystem::filesystem_error& e) {
    comm.abort(kExitSystem, describe(e));
  } catch (const std::bad_alloc&) {
    comm.abort(kExitSystem, "out of memory (a smaller --batch, or fewer ranks per node, needs less)");
  } catch (const std::exception& e) {
    comm.abort(kExitSystem, e.what());
  }
  return kExitSystem;
}
