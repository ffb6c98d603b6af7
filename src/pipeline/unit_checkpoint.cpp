#include "unit_checkpoint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "irrev/core/error.hpp"
#include "irrev/core/sha256.hpp"
#include "irrev/data/h5_file.hpp"

namespace irrev::pipeline::detail {
using nlohmann::json;

namespace {

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

/// Over the key, the units and every array in order, each after its label: the attack's and the
/// search's checkpoints hashed exactly these bytes before they shared this file, so a
/// checkpoint an earlier version wrote still verifies.
std::string digest(const std::string& key, const UnitCheckpoint& s) {
  Sha256 h;
  h.update(key).update(s.done);
  for (const auto& a : s.arrays) {
    if (!a.label.empty()) h.update(a.label);
    std::visit([&](const auto& v) { h.update(v); }, a.values);
  }
  return h.hex();
}

/// The arrays `layout` names, read from `f` (sizes checked where `layout` gives one).
std::vector<CheckpointArray> read_arrays(const h5::File& f, const std::vector<CheckpointArray>& layout) {
  std::vector<CheckpointArray> out;
  for (const auto& want : layout) {
    CheckpointArray a{want.dataset, {}, want.dims, want.label};
    std::visit(
        [&](const auto& expected) {
          using T = typename std::decay_t<decltype(expected)>::value_type;
          auto values = f.read<T>(want.dataset);
          const bool any_size = std::is_same_v<T, std::uint8_t> && expected.empty();
          IRREV_CHECK(any_size || values.size() == expected.size(), "'{}' holds {} values, {} expected", want.dataset,
                      values.size(), expected.size());
          a.values = std::move(values);
        },
        want.values);
    out.push_back(std::move(a));
  }
  return out;
}

/// Why `f` is not a checkpoint this stage may resume for `key` other than damage (another
/// format, another build's archives, another key); empty when it is one.
std::string refusal(const h5::File& f, const std::string& path, const CheckpointFormat& format,
                    const std::string& key) {
  const bool has_schema = f.has_attribute("schema");
  const std::string schema = has_schema ? f.attribute("schema") : std::string();
  if (has_schema ? schema != format.schema : !format.schema_may_be_absent)
    return fmt::format(
        "checkpoint '{}' has another layout than this version's {} checkpoints ({}; expected {}): remove it to "
        "start over",
        path, format.what, has_schema ? schema : "no schema: an earlier version's", format.schema);
  const auto& pin = format.pinned;
  if (!pin.name.empty() && !(f.has_attribute(pin.name) && f.attribute(pin.name) == pin.value))
    return fmt::format("checkpoint '{}' holds {} ({}) than this build reads ({}): {}", path, pin.what,
                       f.has_attribute(pin.name) ? f.attribute(pin.name) : "none recorded", pin.value, pin.advice);
  if (!f.has_attribute("key") || f.attribute("key") == key) return {};
  const auto differs = key_difference(key, f.attribute("key"));
  return fmt::format(
      "'{}' is the checkpoint of a different {}{}; remove it to start over, or run the {} it belongs to", path,
      format.what, differs.empty() ? " (other settings or inputs)" : " (it differs in: " + differs + ")", format.what);
}

}  // namespace

std::string key_difference(const std::string& key, const std::string& other) {
  if (!json::accept(key) || !json::accept(other)) return {};
  std::vector<std::string> diff;
  for (const auto& op : json::diff(json::parse(other), json::parse(key))) {
    auto path = op.at("path").get<std::string>().substr(1);
    const auto second = path.find('/', path.find('/') + 1);
    if (path.find('/') != std::string::npos && second != std::string::npos) path.resize(second);
    if (std::find(diff.begin(), diff.end(), path) == diff.end()) diff.push_back(path);
  }
  return fmt::format("{}", fmt::join(diff, ", "));
}

std::string stopped_status(int signal) { return fmt::format("resumable (stopped by signal {})", signal); }

void write_unit_checkpoint(const std::string& path, const CheckpointFormat& format, const std::string& key,
                           const UnitCheckpoint& state, const std::string& status, json progress) {
  h5::AtomicOutput out(path);
  h5::File& f = out.file();
  f.set_attribute("schema", format.schema);
  if (!format.pinned.name.empty()) f.set_attribute(format.pinned.name, format.pinned.value);
  f.set_attribute("key", key);
  f.set_attribute("status", status);
  f.set_attribute("updated", utc_now());
  progress["units_done"] = std::count(state.done.begin(), state.done.end(), std::uint8_t{1});
  progress["units_total"] = state.done.size();
  f.set_attribute("progress", progress.dump());
  const auto sha = digest(key, state);
  f.set_attribute("sha256", sha);
  f.write("done", state.done);
  for (const auto& a : state.arrays) std::visit([&](const auto& v) { f.write(a.dataset, v, a.dims); }, a.values);
  // Read back before it replaces the last good one: a disk that filled or a write that went
  // astray fails here, with the previous checkpoint still in place.
  out.commit([&](const std::string& temp) {
    h5::File back(temp, h5::File::Mode::read);
    UnitCheckpoint r{back.read<std::uint8_t>("done"), read_arrays(back, state.arrays)};
    IRREV_SYSTEM_CHECK(back.attribute("sha256") == sha && digest(key, r) == sha,
                       "the checkpoint '{}' read back differs from what was written; the previous checkpoint is kept",
                       temp);
  });
}

UnitCheckpoint read_unit_checkpoint(const std::string& path, const CheckpointFormat& format, const std::string& key,
                                    const UnitCheckpoint& expected, std::int64_t units,
                                    const std::function<std::string(const UnitCheckpoint&)>& invariant) {
  const auto damaged = [&](const std::string& why) {
    return fmt::format(
        "the checkpoint '{}' is damaged ({}); it is not resumed. Move it aside to start the {} over (or put back a "
        "copy of it)",
        path, why, format.what);
  };
  UnitCheckpoint s;
  std::string refused, stored;
  try {
    h5::File f(path, h5::File::Mode::read);
    refused = refusal(f, path, format, key);
    if (refused.empty()) {
      IRREV_CHECK(f.has_attribute("key"), "it carries no key");
      IRREV_CHECK(f.has_attribute("sha256"), "it carries no checksum");
      stored = f.attribute("sha256");
      s.done = f.read<std::uint8_t>("done");
      IRREV_CHECK(static_cast<std::int64_t>(s.done.size()) == units, "{} units recorded, the {} has {}", s.done.size(),
                  format.what, units);
      s.arrays = read_arrays(f, expected.arrays);
    }
  } catch (const Error& e) {
    IRREV_FAIL("{}", damaged(e.what()));
  }
  IRREV_CHECK(refused.empty(), "{}", refused);
  IRREV_CHECK(stored == digest(key, s), "{}", damaged("its checksum does not match its contents"));
  for (std::size_t u = 0; u < s.done.size(); ++u)
    IRREV_CHECK(s.done[u] <= 1, "{}", damaged(fmt::format("unit {} is marked {} (not 0 or 1)", u, s.done[u])));
  const auto wrong = invariant ? invariant(s) : std::string();
  IRREV_CHECK(wrong.empty(), "{}", damaged(wrong));
  return s;
}

}  // namespace irrev::pipeline::detail
