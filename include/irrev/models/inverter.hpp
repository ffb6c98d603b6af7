#pragma once
/// A trained inversion network: templates in, face images out. Its file (a LibTorch archive)
/// carries the generator's weights and its provenance: configuration, template size, the
/// extractor it was trained through, and every training identity (so that an attack on an
/// identity it saw can be refused).
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "irrev/core/device.hpp"
#include "irrev/models/inverter_config.hpp"

namespace irrev::models {

struct InverterInfo {
  InverterTrainingConfig config;
  int template_dim = 0;
  std::string extractor_json;  ///< the extractor's metadata (name, checksum, ...)
  std::vector<std::string> training_subjects;
  /// SHA-256 of every training and validation crop (data::ImageTable::crop_sha256), sorted:
  /// the same face image is refused for evaluation whatever its name. Empty for inverters
  /// trained from crops files that predate the hashes.
  std::vector<std::string> training_crops;
  int epochs_done = 0;

  nlohmann::json to_json() const;
  /// From the text a saved inverter carries; `where` names the file in errors.
  static InverterInfo parse(const std::string& text, const std::string& where);
};

class Inverter {
 public:
  static std::unique_ptr<Inverter> load(const std::string& path, const Device& device);
  /// A control for analyses of what training taught the inverter: the architecture and
  /// provenance of the inverter at `path` with its weights freshly initialised from `seed`
  /// (where its training started), not the trained ones.
  static std::unique_ptr<Inverter> load_untrained(const std::string& path, const Device& device, std::uint64_t seed);
  ~Inverter();
  const InverterInfo& info() const;
  int output_size() const { return info().config.generator.output_size(); }
  /// n templates of D values -> n RGB images in [0, 1], S x S, channel-major:
  /// value (c, y, x) of image i is out[((i * 3 + c) * S + y) * S + x].
  std::vector<float> invert(const float* templates, std::int64_t n) const;
  bool saw_subject(const std::string& subject) const;
  /// Whether a crop with this SHA-256 was among the training (or validation) images.
  bool saw_crop(const std::string& crop_sha256) const;

  struct Impl;
  Impl& impl() const { return *m_impl; }

 private:
  explicit Inverter(std::unique_ptr<Impl> impl);
  static std::unique_ptr<Inverter> load_weights(const std::string& path, const Device& device,
                                                std::optional<std::uint64_t> untrained_seed);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace irrev::models
