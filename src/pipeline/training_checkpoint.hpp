#pragma once
// Private to train-inverter: the per-epoch checkpoint (generator weights, Adam's moments, the
// epoch and the history so far) in OUT/checkpoint/, written aside and swapped in by renames.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "../models/generator.hpp"
#include "../models/multi_tensor_adam.hpp"

namespace irrev::pipeline::detail {

class TrainingCheckpoint {
 public:
  /// `key` names the training (configuration, data, extractor, ranks): a checkpoint of another
  /// key is never resumed.
  TrainingCheckpoint(const std::filesystem::path& out_dir, std::string key);

  /// Rank 0, before any rank looks: a kill between the two renames of a rotation leaves only
  /// the previous checkpoint (checkpoint.old), which becomes the checkpoint again.
  void recover_rotation() const;
  bool exists() const;
  bool same_training() const;  ///< the checkpoint there was written under this key
  void discard() const;        ///< rank 0 only

  struct State {
    int next_epoch = 0;
    nlohmann::json history = nlohmann::json::array();
  };
  /// Weights and optimizer from the checkpoint (every rank reads it).
  State load(models::Generator& generator, models::MultiTensorAdam& optimizer) const;
  /// Rank 0: the state after `epoch` (0-based) finished.
  void save(models::Generator& generator, const models::MultiTensorAdam& optimizer, int epoch,
            const nlohmann::json& history) const;

  std::string path() const { return m_dir.string(); }

 private:
  std::filesystem::path m_out, m_dir, m_previous;
  std::string m_key;
};

}  // namespace irrev::pipeline::detail
