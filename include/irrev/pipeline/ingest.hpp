#pragma once
/// Stage 1: a folder of photographs -> crops.h5 (aligned 112x112 faces, the 5 points, detection
/// scores, gender labels, resolved pairs and a rejects table). The folder is in LFW layout, a
/// flat folder of images, or any layout a CSV list describes (data/image_layouts.hpp).
/// Images are sharded over ranks in units; the file is the same for any rank count.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "irrev/data/image_layouts.hpp"
#include "irrev/data/reject.hpp"
#include "irrev/vision/face_cropper.hpp"

namespace irrev::dist {
class Communicator;
}

namespace irrev::pipeline {

/// How ingest runs, apart from its files and the cropper's models: one struct that `irrev
/// ingest`'s options and a job's [ingest] table both fill, each option listed once. (The
/// cropper's settings are [ingest.detector] and [ingest.landmarks]: vision::CropperConfig.)
struct IngestSettings {
  std::int64_t unit_size = 32;  ///< images per work unit

  /// Throws an InputError naming `where` for a value out of range.
  void validate(const std::string& where) const;
  template <class Visit>
  void each_option(Visit&& visit) {
    visit("unit_size", unit_size, "Images per work unit");
  }
};

struct IngestOptions {
  /// Set by `irrev run`: the stage key (what the result depends on), written into the output
  /// before it takes its final name, never into a committed file.
  std::string stage_key;
  std::string images_dir;  ///< for the list layout: the base of relative paths (default: the list's folder)
  data::ImageLayout layout = data::ImageLayout::lfw;
  std::string list_file;    ///< the list layout's CSV
  std::string pairs_file;   ///< optional
  std::string genders_dir;  ///< optional: holds female_names.txt and male_names.txt
  std::string models_dir;
  std::string out;
  IngestSettings settings;
  std::int64_t limit = 0;  ///< when > 0, only the first `limit` images (quick runs)
  vision::CropperConfig cropper;
  bool progress = true;
};

struct IngestSummary {
  std::int64_t images = 0;
  std::int64_t crops = 0;
  std::vector<Reject> rejects;
  nlohmann::json to_json() const;
};

/// Run on every rank; the summary is complete on rank 0.
IngestSummary run_ingest(const dist::Communicator& comm, const IngestOptions& options);

}  // namespace irrev::pipeline
