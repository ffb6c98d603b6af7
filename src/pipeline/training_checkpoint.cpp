#include "training_checkpoint.hpp"

#include <torch/serialize.h>

#include <cerrno>
#include <fstream>

#include "irrev/core/error.hpp"
#include "irrev/core/sha256.hpp"
#include "irrev/core/text_file.hpp"

namespace irrev::pipeline::detail {
namespace fs = std::filesystem;

namespace {
/// A checkpoint folder holds the three files we write; they are removed by name, without a
/// directory walk. (On the GPU machine, with PyTorch 2.11's LibTorch, a training segfaulted at
/// its second checkpoint, whose only difference from the first was std::filesystem::remove_all
/// on an existing folder; not yet confirmed to be the cause, see scripts/device/README.md.)
void remove_folder(const fs::path& dir) {
  for (const char* f : {"generator.pt", "optimizer.pt", "state.json"}) fs::remove(dir / f);
  fs::remove(dir);
}

nlohmann::json read_state(const fs::path& dir) {
  std::ifstream f(dir / "state.json");
  auto j = nlohmann::json::parse(f, nullptr, /*allow_exceptions=*/false);
  IRREV_CHECK(!j.is_discarded() && j.contains("key") && j.contains("epoch") && j.contains("history"),
              "'{}' is damaged (no readable state.json); remove the folder to start the training over", dir.string());
  return j;
}
}  // namespace

TrainingCheckpoint::TrainingCheckpoint(const fs::path& out_dir, std::string key)
    : m_out(out_dir), m_dir(out_dir / "checkpoint"), m_previous(out_dir / "checkpoint.old"), m_key(std::move(key)) {}

void TrainingCheckpoint::recover_rotation() const {
  if (!fs::exists(m_dir / "state.json") && fs::exists(m_previous / "state.json")) {
    remove_folder(m_dir);
    fs::rename(m_previous, m_dir);
  }
}

bool TrainingCheckpoint::exists() const { return fs::exists(m_dir / "state.json"); }

bool TrainingCheckpoint::same_training() const { return read_state(m_dir).at("key") == m_key; }

void TrainingCheckpoint::discard() const { remove_folder(m_dir); }

TrainingCheckpoint::State TrainingCheckpoint::load(models::Generator& generator,
                                                   models::MultiTensorAdam& optimizer) const {
  auto state = read_state(m_dir);
  IRREV_CHECK(state.at("key") == m_key,
              "'{}' holds a checkpoint of another training (configuration, data or rank count differ); "
              "remove it or choose another output folder",
              m_dir.string());
  // The files must be the ones the checkpoint was written with (a flipped byte in a weight
  // would otherwise train on silently).
  if (state.contains("sha256"))
    for (const char* f : {"generator.pt", "optimizer.pt"})
      IRREV_CHECK(state["sha256"].value(f, "") == sha256_of_file((m_dir / f).string()),
                  "the checkpoint '{}' is damaged ({} does not match its checksum); remove the folder (or restore it) "
                  "to train again",
                  m_dir.string(), f);
  torch::load(generator, (m_dir / "generator.pt").string());
  optimizer.load((m_dir / "optimizer.pt").string());
  return {state.at("epoch").get<int>() + 1, state.at("history")};
}

void TrainingCheckpoint::save(models::Generator& generator, const models::MultiTensorAdam& optimizer, int epoch,
                              const nlohmann::json& history) const {
  // Written aside, then swapped in by renames: a kill at any point leaves a whole checkpoint
  // (the new one, or the previous one that recover_rotation() falls back to).
  const fs::path tmp = m_out / "checkpoint.tmp";
  remove_folder(tmp);
  fs::create_directories(tmp);
  torch::save(generator, (tmp / "generator.pt").string());
  optimizer.save((tmp / "optimizer.pt").string());
  // On disk before they are named: after a node crash the renamed checkpoint must be whole
  // (a rename can reach the disk before the data it names).
  sync_path((tmp / "generator.pt").string());
  sync_path((tmp / "optimizer.pt").string());
  write_text_file((tmp / "state.json").string(),
                  nlohmann::json{{"key", m_key},
                                 {"epoch", epoch},
                                 {"history", history},
                                 {"sha256",
                                  {{"generator.pt", sha256_of_file((tmp / "generator.pt").string())},
                                   {"optimizer.pt", sha256_of_file((tmp / "optimizer.pt").string())}}}}
                      .dump(),
                  "training checkpoint's state");
  sync_path(tmp.string());
  remove_folder(m_previous);
  if (fs::exists(m_dir)) fs::rename(m_dir, m_previous);
  fs::rename(tmp, m_dir);
  // The previous checkpoint goes only once the new one's name is on disk too.
  sync_path(m_out.string());
  remove_folder(m_previous);
}

}  // namespace irrev::pipeline::detail
