#pragma once
// The subcommands of the irrev front end. Each add_* registers its options on `app` and
// returns the action that runs it once MPI is up. Actions return the process exit code.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "irrev/attack/plan_text.hpp"
#include "irrev/core/device.hpp"
#include "irrev/core/enum_names.hpp"
#include "irrev/core/error.hpp"
#include "irrev/models/extractor_info.hpp"
#include "number_options.hpp"

namespace irrev::dist {
class Communicator;
}

namespace irrev::app {

struct Command {
  CLI::App* sub = nullptr;
  std::function<int(const dist::Communicator&)> run;
  bool needs_mpi = true;  ///< false: runs without starting MPI (pure, single-process commands)
  /// Stops at its next safe point on SIGTERM / SIGUSR1 with exit 75 (long stages and jobs).
  bool stoppable = false;
};

/// Options every command shares.
struct GlobalOptions {
  std::string log_level = "info";
  std::string log_dir;  ///< one log file per rank here, when set
  int threads = 1;      ///< compute threads per rank
  bool no_progress = false;
  bool share_group = false;  ///< outputs readable by the group, not only the owner
};

Command add_ingest(CLI::App& app, const GlobalOptions& g);
Command add_import_onnx(CLI::App& app, const GlobalOptions& g);
Command add_embed(CLI::App& app, const GlobalOptions& g);
Command add_verify(CLI::App& app, const GlobalOptions& g);
Command add_run(CLI::App& app, const GlobalOptions& g);
Command add_metrics(CLI::App& app, const GlobalOptions& g);
Command add_plan(CLI::App& app, const GlobalOptions& g);
Command add_protect(CLI::App& app, const GlobalOptions& g);
Command add_train_inverter(CLI::App& app, const GlobalOptions& g);
Command add_attack(CLI::App& app, const GlobalOptions& g);
Command add_status(CLI::App& app, const GlobalOptions& g);
Command add_gender(CLI::App& app, const GlobalOptions& g);
Command add_report(CLI::App& app, const GlobalOptions& g);
Command add_unshuffle(CLI::App& app, const GlobalOptions& g);
Command add_devices(CLI::App& app, const GlobalOptions& g);
Command add_estimate(CLI::App& app, const GlobalOptions& g);

/// An option that takes one of E's names (core/enum_names.hpp) into `target`; its help shows
/// the names and the default.
template <class E>
CLI::Option* add_enum_option(CLI::App* sub, const std::string& flag, E& target, const std::string& help) {
  return sub
      ->add_option_function<std::string>(
          flag, [&target, flag](const std::string& s) { target = enum_from_name<E>(s, flag); }, help)
      ->check(CLI::IsMember(names_of<E>()))
      ->default_str(name_of(target));
}

/// Run `parse` inside a CLI11 callback: text the engine refuses (irrev::Error) is a command-line
/// mistake like any other (exit 2).
template <class Parse>
void parse_as_option(Parse&& parse) {
  try {
    parse();
  } catch (const Error& e) {
    throw CLI::ValidationError(e.what());
  }
}

/// One option of a settings struct's list (`each_option`): the flag is --key with '-' for '_';
/// a switch for a bool, a choice of names for an enum, a value otherwise.
template <class T>
CLI::Option* add_setting_option(CLI::App* sub, const char* key, T& field, const std::string& help) {
  std::string flag = std::string("--") + key;
  std::replace(flag.begin(), flag.end(), '_', '-');
  if constexpr (std::is_same_v<T, bool>) {
    // --no-FLAG too: a setting that defaults to true can be turned off.
    return sub->add_flag(flag + ",!--no-" + flag.substr(2), field, help);
  } else if constexpr (std::is_same_v<T, Device>) {
    return sub
        ->add_option_function<std::string>(
            flag, [&field, flag](const std::string& s) { parse_as_option([&] { field = Device::parse(s, flag); }); },
            help)
        ->default_str(field.name());
  } else if constexpr (std::is_enum_v<T>) {
    return add_enum_option(sub, flag, field, help);
  } else if constexpr (std::is_same_v<T, std::vector<int>>) {
    return sub->add_option(flag, field, help)->delimiter(',');
  } else if constexpr (std::is_same_v<T, std::vector<attack::PlanSpec>>) {
    // Repeatable, and also spelled in the singular: --plan 8:exhaustive --plan 4:exhaustive.
    return sub->add_option_function<std::vector<std::string>>(
        flag + "," + flag.substr(0, flag.size() - 1),
        [&field](const std::vector<std::string>& texts) {
          field.clear();
          parse_as_option([&] {
            for (const auto& text : texts) field.push_back(attack::parse_plan(text, 0, "--plan"));
          });
        },
        help);
  } else {
    return add_value(sub, flag, field, help);
  }
}

/// The options of a settings struct's option list (`each_option(visit)`), each with the field's
/// value as its default.
template <class Settings>
void add_settings_options(CLI::App* sub, Settings& settings) {
  settings.each_option([sub](const char* key, auto& field, const char* help) {
    auto* opt = add_setting_option(sub, key, field, help);
    if constexpr (!std::is_same_v<std::decay_t<decltype(field)>, bool>) opt->capture_default_str();
  });
}

/// The options of a settings struct whose defaults another option decides (a preset on the same
/// command line): the flags are parsed into a struct of their own, and apply() copies those that
/// were given onto the settings chosen after parsing.
template <class Settings>
class SettingsOverrides {
 public:
  explicit SettingsOverrides(CLI::App* sub) {
    m_given.each_option([&](const char* key, auto& field, const char* help) {
      m_flags.push_back(add_setting_option(sub, key, field, std::string(help) + " (default: from --preset or --config)")
                            ->default_str(""));
    });
  }
  SettingsOverrides(const SettingsOverrides&) = delete;  // the flags point into m_given
  SettingsOverrides& operator=(const SettingsOverrides&) = delete;

  void apply(Settings& target) {
    std::vector<const void*> given;
    m_given.each_option([&](const char*, auto& field, const char*) { given.push_back(&field); });
    std::size_t i = 0;
    target.each_option([&](const char*, auto& field, const char*) {
      using T = std::decay_t<decltype(field)>;
      if (m_flags[i]->count() > 0) field = *static_cast<const T*>(given[i]);
      ++i;
    });
  }

 private:
  Settings m_given;
  std::vector<CLI::Option*> m_flags;
};

/// Print `text` on stdout from rank 0 only.
void print_master(const dist::Communicator& comm, const std::string& text);

/// Register --channel-order/--mean/--std for an .onnx extractor's normalisation.
struct OnnxNormOptions {
  std::string name;
  models::ChannelOrder channel_order = models::ChannelOrder::bgr;
  std::vector<float> mean{127.f};
  std::vector<float> std{128.f};
};
void add_onnx_norm_options(CLI::App& sub, OnnxNormOptions& o);
/// Turn them into an extractor's metadata (mean and std: 1 value for all channels, or 3).
models::ExtractorInfo to_extractor_info(const OnnxNormOptions& o);

}  // namespace irrev::app
