#include "irrev/config/job_config.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "irrev/attack/attack_pipeline.hpp"
#include "irrev/attack/plan_text.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/numbers.hpp"

namespace irrev::config {
namespace {

std::string at(const std::string& where, const toml::node& node) {
  const auto& s = node.source();
  return fmt::format("{}:{}", where, s.begin.line);
}

/// Refuse keys the engine does not know (a typo must not silently fall back to a default).
void only_keys(const toml::table& t, const std::string& prefix, std::set<std::string> allowed,
               const std::string& where) {
  for (const auto& [k, v] : t) {
    std::string key(k.str());
    IRREV_CHECK(allowed.count(key), "{}: unknown key '{}{}' (known here: {})", at(where, v), prefix, key,
                fmt::join(allowed, ", "));
  }
}

template <class T>
void read(const toml::table& t, const std::string& key, T& out, const std::string& prefix, const std::string& where) {
  const toml::node* n = t.get(key);
  if (!n) return;
  if constexpr (std::is_same_v<T, std::string>) {
    auto v = n->value<std::string>();
    IRREV_CHECK(v.has_value(), "{}: key '{}{}' must be a string", at(where, *n), prefix, key);
    out = *v;
  } else if constexpr (std::is_same_v<T, bool>) {
    auto v = n->value<bool>();
    IRREV_CHECK(v.has_value(), "{}: key '{}{}' must be true or false", at(where, *n), prefix, key);
    out = *v;
  } else if constexpr (std::is_integral_v<T>) {
    IRREV_CHECK(n->is_integer(), "{}: key '{}{}' must be an integer", at(where, *n), prefix, key);
    // No silent wrap: 4294967328 is not 32 (the command line's check, core/numbers.hpp).
    out = narrow_integer<T>(*n->value<std::int64_t>(), fmt::format("{}: key '{}{}'", at(where, *n), prefix, key));
  } else {
    IRREV_CHECK(n->is_number(), "{}: key '{}{}' must be a number", at(where, *n), prefix, key);
    out = narrow_floating<T>(*n->value<double>(), fmt::format("{}: key '{}{}'", at(where, *n), prefix, key));
  }
}

/// A string key that takes one of `allowed`; the error names the line, the choices and the value.
void read_choice(const toml::table& t, const std::string& key, std::string& out,
                 const std::vector<std::string>& allowed, const std::string& prefix, const std::string& where) {
  read(t, key, out, prefix, where);
  if (std::find(allowed.begin(), allowed.end(), out) != allowed.end()) return;
  const toml::node* n = t.get(key);
  IRREV_FAIL("{}: key '{}{}' must be one of {}, got '{}'", n ? at(where, *n) : where, prefix, key,
             fmt::join(allowed, ", "), out);
}

/// A key that names a value of the enum E (core/enum_names.hpp).
template <class E>
void read_enum(const toml::table& t, const std::string& key, E& out, const std::string& prefix,
               const std::string& where) {
  std::string name = name_of(out);
  read_choice(t, key, name, names_of<E>(), prefix, where);
  out = enum_from_name<E>(name, where);
}

/// A list of integers (each within int).
void read_ints(const toml::table& t, const std::string& key, std::vector<int>& out, const std::string& prefix,
               const std::string& where) {
  const toml::node* n = t.get(key);
  if (!n) return;
  const auto* arr = n->as_array();
  IRREV_CHECK(arr, "{}: key '{}{}' must be a list of integers", at(where, *n), prefix, key);
  out.clear();
  for (const auto& v : *arr) {
    IRREV_CHECK(v.is_integer() && std::abs(*v.value<std::int64_t>()) <= std::numeric_limits<int>::max(),
                "{}: key '{}{}' holds integers", at(where, v), prefix, key);
    out.push_back(static_cast<int>(*v.value<std::int64_t>()));
  }
}

/// A non-empty list of names of the enum E (core/enum_names.hpp), each at most once.
template <class E>
void read_enums(const toml::table& t, const std::string& key, std::vector<E>& out, const std::string& prefix,
                const std::string& where) {
  const toml::node* n = t.get(key);
  if (!n) return;
  const auto* arr = n->as_array();
  IRREV_CHECK(arr && !arr->empty(), "{}: key '{}{}' must be a non-empty list of names ({})", at(where, *n), prefix, key,
              fmt::join(names_of<E>(), ", "));
  out.clear();
  for (const auto& e : *arr) {
    const auto name = e.value<std::string>();
    IRREV_CHECK(name, "{}: {}{} holds names such as \"{}\"", at(where, e), prefix, key, names_of<E>().front());
    const E value = enum_from_name<E>(*name, fmt::format("{}: {}{}", at(where, e), prefix, key));
    IRREV_CHECK(std::find(out.begin(), out.end(), value) == out.end(), "{}: {}{} names \"{}\" twice", at(where, e),
                prefix, key, *name);
    out.push_back(value);
  }
}

/// A list of plans, "blocks:kind[:count]" each (their seed is the attack's: key_draws()).
void read_plans(const toml::table& t, const std::string& key, std::vector<attack::PlanSpec>& out,
                const std::string& prefix, const std::string& where) {
  const toml::node* n = t.get(key);
  if (!n) return;
  IRREV_CHECK(n->as_array() && !n->as_array()->empty(),
              "{}: key '{}{}' must be a list such as [\"8:stratified:8\", \"4:exhaustive\"]", at(where, *n), prefix,
              key);
  out.clear();
  for (const auto& e : *n->as_array()) {
    auto text = e.value<std::string>();
    IRREV_CHECK(text.has_value(), "{}: {}{} holds strings such as \"8:exhaustive\"", at(where, e), prefix, key);
    out.push_back(attack::parse_plan(*text, 0, fmt::format("{} {}{}", at(where, e), prefix, key)));
  }
}

/// `read`, `read_enum`, `read_ints` or `read_plans` by the field's type: what a settings struct's option list needs.
template <class T>
void read_any(const toml::table& t, const std::string& key, T& out, const std::string& prefix,
              const std::string& where) {
  if constexpr (std::is_same_v<T, Device>) {
    std::string name = out.name();
    read(t, key, name, prefix, where);
    const toml::node* n = t.get(key);
    out = Device::parse(name, (n ? at(where, *n) : where) + ": " + prefix + key);
  } else if constexpr (std::is_enum_v<T>) {
    read_enum(t, key, out, prefix, where);
  } else if constexpr (std::is_same_v<T, std::vector<int>>) {
    read_ints(t, key, out, prefix, where);
  } else if constexpr (std::is_same_v<T, std::vector<attack::PlanSpec>>) {
    read_plans(t, key, out, prefix, where);
  } else {
    read(t, key, out, prefix, where);
  }
}

/// A table whose keys are `settings`' options (each_option) and `others` (read by the caller):
/// unknown keys refused, every option read.
template <class Settings>
void read_options(const toml::table& t, const std::string& prefix, Settings& settings, std::set<std::string> others,
                  const std::string& where) {
  settings.each_option([&](const char* key, auto&, const char*) { others.insert(key); });
  only_keys(t, prefix, others, where);
  settings.each_option([&](const char* key, auto& field, const char*) { read_any(t, key, field, prefix, where); });
}

const toml::table* table(const toml::table& t, const std::string& key, const std::string& where) {
  const toml::node* n = t.get(key);
  if (!n) return nullptr;
  IRREV_CHECK(n->is_table(), "{}: '{}' must be a table", at(where, *n), key);
  return n->as_table();
}

/// images, layout, list and limit of [data] or [data.train] (`prefix` "data." or "data.train.").
JobConfig::ImageSource read_image_source(const toml::table& t, const std::string& prefix, const std::string& where) {
  JobConfig::ImageSource s;
  read(t, "images", s.images, prefix, where);
  read_enum(t, "layout", s.layout, prefix, where);
  read(t, "list", s.list, prefix, where);
  read(t, "limit", s.limit, prefix, where);
  return s;
}

void read_floats3(const toml::table& t, const std::string& key, std::array<float, 3>& out, const std::string& prefix,
                  const std::string& where) {
  const toml::node* n = t.get(key);
  if (!n) return;
  if (n->is_number()) {
    out.fill(static_cast<float>(*n->value<double>()));
    return;
  }
  const auto* arr = n->as_array();
  IRREV_CHECK(arr && arr->size() == 3, "{}: key '{}{}' must be a number or 3 numbers", at(where, *n), prefix, key);
  for (std::size_t i = 0; i < 3; ++i) {
    IRREV_CHECK((*arr)[i].is_number(), "{}: key '{}{}' must hold numbers", at(where, *n), prefix, key);
    out[i] = static_cast<float>(*(*arr)[i].value<double>());
  }
}

}  // namespace

std::string expand_path(const std::string& path, const std::string& where) {
  std::string out;
  std::size_t i = 0;
  if (!path.empty() && path[0] == '~' && (path.size() == 1 || path[1] == '/')) {
    const char* home = std::getenv("HOME");
    IRREV_CHECK(home, "{}: path '{}' starts with ~ but HOME is not set", where, path);
    out = home;
    i = 1;
  }
  while (i < path.size()) {
    if (path.compare(i, 2, "${") == 0) {
      auto end = path.find('}', i);
      IRREV_CHECK(end != std::string::npos, "{}: unclosed '${{' in path '{}'", where, path);
      std::string var = path.substr(i + 2, end - i - 2);
      const char* v = std::getenv(var.c_str());
      IRREV_CHECK(v, "{}: path '{}' names environment variable '{}', which is not set", where, path, var);
      out += v;
      i = end + 1;
    } else {
      out += path[i++];
    }
  }
  return out;
}

std::string default_models_dir() {
  if (const char* m = std::getenv("IRREV_MODELS"); m && *m) return m;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/irrev/models";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.local/share/irrev/models";
}

namespace {

void read_run(const toml::table& root, JobConfig& c, const std::string& where) {
  const auto* t = table(root, "run", where);
  if (!t) return;
  only_keys(*t, "run.", {"out_dir", "work_dir", "share_with_group"}, where);
  read(*t, "out_dir", c.out_dir, "run.", where);
  read(*t, "work_dir", c.work_dir, "run.", where);
  read(*t, "share_with_group", c.share_with_group, "run.", where);
}

void read_data(const toml::table& root, JobConfig& c, const std::string& where) {
  const auto* data = table(root, "data", where);
  IRREV_CHECK(data, "{}: the job has no [data] table (it needs at least data.images)", where);
  only_keys(*data, "data.", {"images", "layout", "list", "pairs", "genders", "limit", "train"}, where);
  const auto source = read_image_source(*data, "data.", where);
  c.images = source.images;
  c.layout = source.layout;
  c.list = source.list;
  c.limit = source.limit;
  read(*data, "pairs", c.pairs, "data.", where);
  read(*data, "genders", c.genders, "data.", where);
  if (c.layout == data::ImageLayout::list) {
    IRREV_CHECK(!c.list.empty(), "{}: data.layout = \"list\" needs the list file in 'data.list'", where);
  } else {
    IRREV_CHECK(!c.images.empty(), "{}: key 'data.images' is required", where);
    IRREV_CHECK(c.list.empty(), "{}: 'data.list' is read with data.layout = \"list\" only", where);
  }
  if (const auto* t = table(*data, "train", where)) {
    only_keys(*t, "data.train.", {"images", "layout", "list", "limit"}, where);
    const auto& s = c.train_set = read_image_source(*t, "data.train.", where);
    IRREV_CHECK(s.layout == data::ImageLayout::list ? !s.list.empty() : !s.images.empty(), "{}: [data.train] needs {}",
                where, s.layout == data::ImageLayout::list ? "'list'" : "'images'");
    IRREV_CHECK(s.limit >= 0, "{}: key 'data.train.limit' must be >= 0", where);
    c.has_train_set = true;
  }
  IRREV_CHECK(
      c.genders.empty() || c.layout == data::ImageLayout::lfw,
      "{}: data.genders names LFW's gender lists; with data.layout = \"{}\" give genders in a list's third column",
      where, name_of(c.layout));
  IRREV_CHECK(c.limit >= 0, "{}: key 'data.limit' must be >= 0", where);
}

void read_models(const toml::table& root, JobConfig& c, const std::string& where) {
  const auto* t = table(root, "models", where);
  if (!t) return;
  only_keys(*t, "models.", {"dir"}, where);
  read(*t, "dir", c.models_dir, "models.", where);
}

void read_ingest(const toml::table& root, JobConfig& c, const std::string& where) {
  const auto* t = table(root, "ingest", where);
  if (!t) return;
  read_options(*t, "ingest.", c.ingest_settings, {"detector", "landmarks"}, where);
  c.ingest_settings.validate(where + " [ingest]");
  if (const auto* d = table(*t, "detector", where)) {
    read_options(*d, "ingest.detector.", c.cropper.detector, {}, where);
    c.cropper.detector.validate(where + " [ingest.detector]");
  }
  if (const auto* l = table(*t, "landmarks", where)) {
    read_options(*l, "ingest.landmarks.", c.cropper.landmarks, {}, where);
    c.cropper.landmarks.validate(where + " [ingest.landmarks]");
  }
}

void read_embed(const toml::table& root, JobConfig& c, const std::string& where) {
  const auto* t = table(root, "embed", where);
  if (!t) return;
  read_options(*t, "embed.", c.embed_settings, {}, where);
  c.embed_settings.validate(where + " [embed]");
}

void read_extractors(const toml::table& root, JobConfig& c, const std::string& where) {
  if (const toml::node* n = root.get("extractors")) {
    const auto* arr = n->as_array();
    IRREV_CHECK(arr && arr->is_array_of_tables(), "{}: 'extractors' must be [[extractors]] tables", at(where, *n));
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const auto& e = *(*arr)[i].as_table();
      std::string p = fmt::format("extractors[{}].", i);
      only_keys(e, p, {"name", "model", "channel_order", "mean", "std"}, where);
      ExtractorEntry x;
      read(e, "name", x.name, p, where);
      read(e, "model", x.model, p, where);
      read_enum(e, "channel_order", x.onnx_info.channel_order, p, where);
      read_floats3(e, "mean", x.onnx_info.mean, p, where);
      read_floats3(e, "std", x.onnx_info.std, p, where);
      IRREV_CHECK(!x.name.empty() && !x.model.empty(), "{}: keys '{}name' and '{}model' are required", at(where, e), p,
                  p);
      x.onnx_info.name = x.name;
      x.onnx_info.validate(fmt::format("{} {}", where, p));
      c.extractors.push_back(x);
    }
  }
  IRREV_CHECK(!c.extractors.empty(), "{}: the job names no [[extractors]]", where);
}

void read_verify(const toml::table& root, JobConfig& c, const std::string& where) {
  const auto* t = table(root, "verify", where);
  if (!t) return;
  read_options(*t, "verify.", c.verify_settings, {"protocols"}, where);
  c.verify_settings.validate(where + " [verify]");
  read_enums(*t, "protocols", c.protocols, "verify.", where);
}

void read_train_inverter(const toml::table& root, JobConfig& c, const std::string& where) {
  const auto* t = table(root, "train_inverter", where);
  if (!t) return;
  const std::string p = "train_inverter.";
  c.train_inverter = true;
  read_enum(*t, "preset", c.inverter_preset, p, where);
  auto& ic = c.inverter;
  ic = models::InverterTrainingConfig::from_preset(c.inverter_preset);
  read_options(*t, p, ic, {"preset", "trainers"}, where);
  read(*t, "trainers", c.inverter_trainers, p, where);
  IRREV_CHECK(c.inverter_trainers >= 1, "{}: train_inverter.trainers must be >= 1", where);
  try {
    ic.validate();
  } catch (const Error& e) {
    IRREV_FAIL("{}: [train_inverter]: {}", where, e.what());
  }
}

/// attack.modes (or the older attack.unshuffle = true): the attacks the job runs.
void read_modes(const toml::table& t, JobConfig& c, const std::string& where) {
  if (const toml::node* m = t.get("modes"))
    IRREV_CHECK(!t.get("unshuffle"), "{}: give either attack.modes or attack.unshuffle, not both", at(where, *m));
  read_enums(t, "modes", c.attack_modes, "attack.", where);
  bool unshuffle = false;
  read(t, "unshuffle", unshuffle, "attack.", where);
  if (unshuffle) c.attack_modes = {pipeline::AttackMode::unshuffled};
}

void read_attack(const toml::table& root, JobConfig& c, const std::string& where) {
  const auto* t = table(root, "attack", where);
  if (!t) return;
  const std::string p = "attack.";
  auto& a = c.attack_settings;
  read_options(*t, p, a, {"modes", "unshuffle"}, where);
  IRREV_CHECK(t->get("plans"),
              "{}: key 'attack.plans' is required: a list such as [\"8:stratified:8\", \"4:exhaustive\"]", where);
  c.attack = true;
  read_modes(*t, c, where);
  a.key_draws();
  a.validate(where + " [attack]");
  IRREV_CHECK(
      c.has_protocol(pipeline::VerifyProtocol::error_rates) && pipeline::has_all_vs_all(c.verify_settings.pairs),
      "{}: [attack] takes its thresholds from verify's all-vs-all impostors: set verify.protocols to include "
      "\"error-rates\" and verify.pairs to \"all-vs-all\" or \"both\"",
      where);
  IRREV_CHECK(c.train_inverter, "{}: [attack] needs an inverter: add a [train_inverter] table", where);
}

void read_gender(const toml::table& root, JobConfig& c, const std::string& where) {
  const auto* t = table(root, "gender", where);
  if (!t) return;
  const std::string p = "gender.";
  read_options(*t, p, c.gender_settings, {}, where);
  c.gender = true;
  c.gender_settings.validate(where + " [gender]");
  IRREV_CHECK(
      !c.genders.empty() || c.layout == data::ImageLayout::list,
      "{}: [gender] needs gender labels: set data.genders (LFW) or give them in a list (data.layout = \"list\")",
      where);
}

/// Paths last, so that an unset variable is reported with everything else already valid.
void expand_paths(JobConfig& c, const std::string& where) {
  c.out_dir = expand_path(c.out_dir, where + " run.out_dir");
  if (!c.work_dir.empty()) c.work_dir = expand_path(c.work_dir, where + " run.work_dir");
  if (!c.images.empty()) c.images = expand_path(c.images, where + " data.images");
  if (!c.list.empty()) c.list = expand_path(c.list, where + " data.list");
  if (!c.train_set.images.empty()) c.train_set.images = expand_path(c.train_set.images, where + " data.train.images");
  if (!c.train_set.list.empty()) c.train_set.list = expand_path(c.train_set.list, where + " data.train.list");
  if (!c.pairs.empty()) c.pairs = expand_path(c.pairs, where + " data.pairs");
  if (!c.genders.empty()) c.genders = expand_path(c.genders, where + " data.genders");
  c.models_dir = expand_path(c.models_dir, where + " models.dir");
}

}  // namespace

JobConfig parse_job(const std::string& text, const std::string& where, JobPaths paths) {
  toml::table root;
  try {
    root = toml::parse(text, where);
  } catch (const toml::parse_error& e) {
    IRREV_FAIL("{}:{}: not valid TOML: {}", where, e.source().begin.line, e.description());
  }
  JobConfig c;
  c.source = where;
  c.models_dir = default_models_dir();
  only_keys(root, "",
            {"run", "data", "models", "ingest", "embed", "extractors", "verify", "train_inverter", "attack", "gender"},
            where);
  read_run(root, c, where);
  read_data(root, c, where);
  read_models(root, c, where);
  read_ingest(root, c, where);
  read_embed(root, c, where);
  read_extractors(root, c, where);
  read_verify(root, c, where);
  read_train_inverter(root, c, where);
  read_attack(root, c, where);
  read_gender(root, c, where);
  if (c.has_train_set && c.attack) {
    IRREV_CHECK(
        !c.has_mode(pipeline::AttackMode::unshuffled) && c.attack_settings.targeted_max_complexity < 0,
        "{}: with [data.train] the attack can only be plain: the unshuffled and targeted attacks fit their "
        "block-position model on [data]'s training identities, which a job with its own training set does not have",
        where);
  }
  if (paths == JobPaths::expanded) expand_paths(c, where);
  return c;
}

JobConfig load_job(const std::string& path, JobPaths paths) {
  std::ifstream in(path);
  IRREV_CHECK(in.good(), "job file '{}' cannot be read", path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_job(ss.str(), path, paths);
}

}  // namespace irrev::config
